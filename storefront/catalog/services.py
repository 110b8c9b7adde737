"""Changes to a store's catalog; callers run them in that store's schema. Each is one transaction.

Errors come back as ``ValidationError`` keyed by field (nested ones as ``variants.1.price``), so an API or a form
can show each next to its input; nothing is written when one is raised.
"""

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.text import slugify
from django_tenants.utils import schema_context

from billing.limits import ensure_can_add_product
from platform.celery import enqueue_for_store
from storefront.directory_feed.services import record_product_change
from storefront.page_cache import invalidate_store_pages

from .csv_format import validate_header
from .images import inspect_image
from .models import (
    DUPLICATE_OPTIONS,
    MAX_OPTIONS,
    CatalogExport,
    CatalogImport,
    Collection,
    CollectionProduct,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductOption,
    ProductVariant,
    Tag,
)
from .money import parse_amount

MAX_CSV_BYTES = 10 * 1024 * 1024
VARIANT_FIELDS = {field.name for field in ProductVariant._meta.get_fields()}
SKU_MAX_LENGTH = 64
# PostgreSQL's integer, the column type of a variant's stock and of an adjustment's delta and stock after it.
STOCK_LIMIT = 2**31 - 1
STOCK_RANGE_MESSAGE = f"Stock must stay between {-STOCK_LIMIT:,} and {STOCK_LIMIT:,}"


@dataclass(frozen=True)
class OptionSpec:
    name: str
    values: Sequence[str] = ()


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    price: Decimal | str | int
    options: Sequence[str] = ()
    compare_at_price: Decimal | str | int | None = None
    stock: int = 0
    track_inventory: bool = False
    continue_selling_when_out_of_stock: bool = False
    weight_grams: int = 0


# --- Products ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_product(
    *,
    title: str,
    price: Decimal | str | int | None = None,
    description: str = "",
    status: str = Product.Status.ACTIVE,
    slug: str | None = None,
    sku: str | None = None,
    compare_at_price: Decimal | str | int | None = None,
    stock: int = 0,
    track_inventory: bool = False,
    tags: Sequence[str] = (),
    seo_title: str = "",
    seo_description: str = "",
    options: Sequence[OptionSpec] = (),
    variants: Sequence[VariantSpec] | None = None,
    image_name: str | None = None,
    image_bytes: bytes | None = None,
    image_alt: str = "",
    actor: str = "",
) -> Product:
    """Create a product with its variants in the current store.

    A simple product passes ``price`` (and optionally ``sku``, ``stock``...): it gets one default variant.
    A product with options passes ``options`` and ``variants`` instead. A picture passed as bytes is stored
    and thumbnailed in the background once the transaction commits.
    """
    if variants is None:
        if price is None:
            raise ValidationError({"price": ["Price is required."]})
        variants = [
            VariantSpec(
                sku=sku or _free_sku(slug or title),
                price=price,
                compare_at_price=compare_at_price,
                stock=stock,
                track_inventory=track_inventory,
            )
        ]
    elif price is not None:
        raise ValidationError({"price": ["Give the price on each variant, not on the product."]})
    if not variants:
        raise ValidationError({"variants": ["A product needs at least one variant."]})
    if status == Product.Status.ACTIVE:
        ensure_can_add_product()  # billing: the plan's active-product limit

    product = Product(
        title=(title or "").strip(),
        slug=slug.strip() if slug else _free_slug(title),
        description=description or "",
        status=status,
        seo_title=seo_title,
        seo_description=seo_description,
        price=Decimal(0),  # set from the variants below
    )
    errors = _model_errors(product, exclude=["price"])
    option_errors = _validate_option_specs(options)
    errors.update(option_errors)
    if errors:
        raise ValidationError(errors)
    product.save()
    for position, spec in enumerate(options, start=1):
        ProductOption.objects.create(product=product, position=position, name=spec.name.strip(), values=[])
    _set_tags(product, tags)

    errors = {}
    for index, spec in enumerate(variants):
        try:
            _create_variant(product, spec, position=index, actor=actor)
        except ValidationError as error:
            errors.update(_prefixed(error, f"variants.{index}"))
    if errors:
        raise ValidationError(errors)
    _refresh_price(product)
    if image_bytes is not None:
        add_product_image(
            product=product, file=ContentFile(image_bytes, name=image_name or "picture"), alt_text=image_alt or title
        )
    return product


@transaction.atomic
def update_product(*, product: Product, tags: Sequence[str] | None = None, **fields: object) -> Product:
    """Change a product's own fields (title, slug, description, status, seo_title, seo_description) and tags."""
    allowed = {"title", "slug", "description", "status", "seo_title", "seo_description"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
    if fields.get("status") == Product.Status.ACTIVE and product.status != Product.Status.ACTIVE:
        ensure_can_add_product()  # billing: the plan's active-product limit
    for name, value in fields.items():
        setattr(product, name, value.strip() if isinstance(value, str) and name != "description" else value)
    errors = _model_errors(product)
    if errors:
        raise ValidationError(errors)
    product.save()
    if tags is not None:
        _set_tags(product, tags)
    product_changed(product.pk)
    return product


@transaction.atomic
def delete_product(*, product: Product) -> None:
    """Delete a product with its variants, stock history and pictures (the files go once this commits)."""
    names = [name for image in product.images.all() for name in (image.image.name, image.thumbnail.name) if name]
    product_changed(product.pk)
    product.delete()
    _delete_files_after_commit(names)


# --- Variants and options ---------------------------------------------------------------------------------


@transaction.atomic
def add_variant(*, product: Product, spec: VariantSpec, actor: str = "") -> ProductVariant:
    """Add a variant; its option values must name the product's options, new values are appended to them."""
    Product.objects.select_for_update().filter(pk=product.pk).first()  # one writer per product's variants
    position = (product.variants.aggregate(last=Max("position"))["last"] or 0) + 1
    variant = _create_variant(product, spec, position=position, actor=actor)
    _refresh_price(product)
    return variant


@transaction.atomic
def update_variant(
    *,
    variant: ProductVariant,
    sku: str | None = None,
    price: Decimal | str | int | None = None,
    compare_at_price: Decimal | str | int | None = ...,  # type: ignore[assignment]
    options: Sequence[str] | None = None,
    track_inventory: bool | None = None,
    continue_selling_when_out_of_stock: bool | None = None,
    weight_grams: int | None = None,
) -> ProductVariant:
    """Change a variant; ``None`` leaves a field as it is (``compare_at_price=None`` clears it).

    Stock is not changed here: it moves only through adjust_stock/set_stock, which keep its history.
    """
    variant = ProductVariant.objects.select_for_update().select_related("product").get(pk=variant.pk)
    errors: dict[str, list[str]] = {}
    if sku is not None:
        variant.sku = sku.strip()
    if price is not None:
        _set_amount(variant, "price", price, errors, label="Price")
    if compare_at_price is not ...:
        if compare_at_price is None or compare_at_price == "":
            variant.compare_at_price = None
        else:
            _set_amount(variant, "compare_at_price", compare_at_price, errors, label="Compare-at price")
    if options is not None:
        _apply_option_values(variant.product, variant, options, errors)
    if track_inventory is not None:
        variant.track_inventory = track_inventory
    if continue_selling_when_out_of_stock is not None:
        variant.continue_selling_when_out_of_stock = continue_selling_when_out_of_stock
    if weight_grams is not None:
        variant.weight_grams = weight_grams
    _check_variant(variant, errors)
    if errors:
        raise ValidationError(errors)
    variant.save()
    _refresh_price(variant.product)
    return variant


@transaction.atomic
def delete_variant(*, variant: ProductVariant) -> None:
    product = Product.objects.select_for_update().get(pk=variant.product_id)
    if product.variants.count() <= 1:
        raise ValidationError({"variant": ["A product keeps at least one variant; delete the product instead."]})
    variant.delete()
    _refresh_price(product)


def _create_variant(product: Product, spec: VariantSpec, *, position: int, actor: str) -> ProductVariant:
    errors: dict[str, list[str]] = {}
    variant = ProductVariant(
        product=product,
        sku=(spec.sku or "").strip(),
        position=position,
        track_inventory=spec.track_inventory,
        continue_selling_when_out_of_stock=spec.continue_selling_when_out_of_stock,
        weight_grams=spec.weight_grams,
        price=Decimal(0),
    )
    _set_amount(variant, "price", spec.price, errors, label="Price")
    if spec.compare_at_price not in (None, ""):
        _set_amount(variant, "compare_at_price", spec.compare_at_price, errors, label="Compare-at price")
    _apply_option_values(product, variant, spec.options, errors)
    if abs(spec.stock) > STOCK_LIMIT:
        errors.setdefault("stock", []).append(f"{STOCK_RANGE_MESSAGE}.")
    elif spec.stock < 0 and not spec.continue_selling_when_out_of_stock:
        errors.setdefault("stock", []).append(
            "Stock cannot be negative unless the variant keeps selling when out of stock."
        )
    _check_variant(variant, errors)
    if errors:
        raise ValidationError(errors)
    variant.save()
    if spec.stock:
        adjust_stock(variant=variant, delta=spec.stock, reason=InventoryAdjustment.Reason.INITIAL, actor=actor)
    return variant


def _check_variant(variant: ProductVariant, errors: dict[str, list[str]]) -> None:
    if variant.compare_at_price is not None and "price" not in errors and variant.compare_at_price <= variant.price:
        errors.setdefault("compare_at_price", []).append("Compare-at price must be higher than the price.")
    if variant.stock < 0 and not variant.continue_selling_when_out_of_stock:
        errors.setdefault("continue_selling_when_out_of_stock", []).append(
            f"Stock is {variant.stock}; bring it to 0 or more before turning this off."
        )
    # A field already reported must not be reported again by the model's own checks (in Django's words).
    exclude = [name for name in errors if name in VARIANT_FIELDS]
    for name, messages in _model_errors(variant, exclude=exclude).items():
        # The unique-options constraint is a model-wide error; it belongs next to the option values.
        errors.setdefault("options" if DUPLICATE_OPTIONS in messages else name, []).extend(messages)


def _apply_option_values(
    product: Product, variant: ProductVariant, values: Sequence[str], errors: dict[str, list[str]]
) -> None:
    """Set option1..3 from ``values`` in the product's option order, adding new values to the options."""
    values = [str(value).strip() for value in values]
    product_options = list(ProductOption.objects.filter(product=product).order_by("position"))
    if len(values) != len(product_options):
        names = ", ".join(option.name for option in product_options) or "none"
        errors.setdefault("options", []).append(
            f"Give one value per product option ({len(product_options)}: {names}); got {len(values)}."
        )
        return
    if any(not value for value in values):
        errors.setdefault("options", []).append("Option values cannot be empty.")
        return
    if any(len(value) > 64 for value in values):
        errors.setdefault("options", []).append("Option values are at most 64 characters.")
        return
    for option, value in zip(product_options, values, strict=True):
        setattr(variant, f"option{option.position}", value)
        if value not in option.values:
            option.values = [*option.values, value]
            option.save(update_fields=["values"])
    for position in range(len(product_options) + 1, MAX_OPTIONS + 1):
        setattr(variant, f"option{position}", "")


def _validate_option_specs(options: Sequence[OptionSpec]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if len(options) > MAX_OPTIONS:
        errors["options"] = [f"A product has at most {MAX_OPTIONS} options."]
    names = [spec.name.strip() for spec in options]
    if any(not name for name in names) or any(len(name) > 50 for name in names):
        errors.setdefault("options", []).append("Option names are 1 to 50 characters.")
    if len({name.casefold() for name in names}) != len(names):
        errors.setdefault("options", []).append("Option names must differ.")
    return errors


def _set_amount(instance: object, name: str, value: object, errors: dict[str, list[str]], *, label: str) -> None:
    try:
        setattr(instance, name, parse_amount(value, label=label))
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)


def product_changed(product_id: int) -> None:
    """Tell what shows the product that it changed, once this transaction commits: the store's cached pages go
    stale, and the product's listing in the cross-store directory is queued for an update (its outbox row is
    written in this transaction, so a lost task loses nothing)."""
    record_product_change(product_id)
    invalidate_store_pages()


def _refresh_price(product: Product) -> None:
    """Keep Product.price, the listing price, equal to the lowest variant price."""
    lowest = product.variants.aggregate(lowest=Min("price"))["lowest"]
    product.price = lowest if lowest is not None else Decimal(0)
    Product.objects.filter(pk=product.pk).update(price=product.price, updated_at=timezone.now())
    product_changed(product.pk)


# --- Stock ------------------------------------------------------------------------------------------------


@transaction.atomic
def adjust_stock(
    *, variant: ProductVariant, delta: int, reason: str, note: str = "", actor: str = ""
) -> InventoryAdjustment:
    """Add ``delta`` (negative to remove) to a variant's stock and record why.

    The row is locked first, so concurrent adjustments queue instead of losing updates; stock never goes below
    zero unless the variant keeps selling when out of stock.
    """
    if reason not in InventoryAdjustment.Reason.values:
        raise ValidationError({"reason": [f"Unknown reason; use one of {', '.join(InventoryAdjustment.Reason)}."]})
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise ValidationError({"delta": ["Adjust by a whole number other than 0."]})
    locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
    stock_after = locked.stock + delta
    if abs(delta) > STOCK_LIMIT or abs(stock_after) > STOCK_LIMIT:
        raise ValidationError({"delta": [f"{STOCK_RANGE_MESSAGE}; {locked.sku} has {locked.stock:,}."]})
    if stock_after < 0 and not locked.continue_selling_when_out_of_stock:
        raise ValidationError(
            {"delta": [f"Only {locked.stock} of {locked.sku} in stock; cannot remove {-delta}."]}, code="insufficient"
        )
    # F() keeps the write relative even if a caller ever skips the lock above.
    ProductVariant.objects.filter(pk=locked.pk).update(stock=F("stock") + delta, updated_at=timezone.now())
    adjustment = InventoryAdjustment.objects.create(
        variant=locked, delta=delta, stock_after=stock_after, reason=reason, note=note[:255], actor=actor[:100]
    )
    variant.stock = stock_after
    product_changed(locked.product_id)
    return adjustment


@transaction.atomic
def set_stock(
    *, variant: ProductVariant, quantity: int, reason: str, note: str = "", actor: str = ""
) -> InventoryAdjustment | None:
    """Set a variant's stock to ``quantity`` (a count), recorded as the difference; None when already there."""
    locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
    if quantity == locked.stock:
        return None
    return adjust_stock(variant=variant, delta=quantity - locked.stock, reason=reason, note=note, actor=actor)


# --- Images -----------------------------------------------------------------------------------------------


@transaction.atomic
def add_product_image(*, product: Product, file: File, alt_text: str = "", position: int | None = None) -> ProductImage:
    """Store a validated picture for a product; its thumbnail is made in the background after commit."""
    try:
        info = inspect_image(file)
    except ValidationError as error:
        raise ValidationError({"image": error.messages}) from None
    if position is None:
        position = (product.images.aggregate(last=Max("position"))["last"] or 0) + 1
    image = ProductImage(
        product=product, alt_text=alt_text.strip(), position=position, width=info.width, height=info.height
    )
    errors = _model_errors(image, exclude=["product", "image", "thumbnail"])
    if errors:
        raise ValidationError(errors)
    # The stored name comes from the product and the detected format, never from the uploaded name.
    image.image.save(f"{product.slug[:80]}.{info.extension}", file, save=False)
    image.save()
    from .tasks import make_image_thumbnail

    enqueue_for_store(make_image_thumbnail, schema_name=connection.schema_name, args=(image.pk,))
    product_changed(product.pk)
    return image


@transaction.atomic
def update_product_image(
    *, image: ProductImage, alt_text: str | None = None, position: int | None = None
) -> ProductImage:
    if alt_text is not None:
        image.alt_text = alt_text.strip()
    if position is not None:
        image.position = position
    errors = _model_errors(image, exclude=["product", "image", "thumbnail"])
    if errors:
        raise ValidationError(errors)
    image.save(update_fields=["alt_text", "position"])
    product_changed(image.product_id)
    return image


@transaction.atomic
def delete_product_image(*, image: ProductImage) -> None:
    names = [name for name in (image.image.name, image.thumbnail.name) if name]
    product_changed(image.product_id)
    image.delete()
    _delete_files_after_commit(names)


def _delete_files_after_commit(names: list[str]) -> None:
    schema_name = connection.schema_name

    def delete() -> None:
        with schema_context(schema_name):
            for name in names:
                default_storage.delete(name)

    transaction.on_commit(delete)


# --- Tags and collections ---------------------------------------------------------------------------------


def _set_tags(product: Product, names: Sequence[str]) -> None:
    product.tags.set([_tag(name) for name in dict.fromkeys(n.strip() for n in names if n and n.strip())])


def _tag(name: str) -> Tag:
    if len(name) > 64:
        raise ValidationError({"tags": [f"Tags are at most 64 characters: {name[:20]}…"]})
    if "," in name:
        # CSV files list a product's tags separated by commas.
        raise ValidationError({"tags": [f"Tags cannot contain commas: {name!r}."]})
    slug = slugify(name)[:80]
    if not slug:
        raise ValidationError({"tags": [f"The tag {name!r} needs at least one letter or digit."]})
    tag = Tag.objects.filter(slug=slug).first()
    return tag or Tag.objects.create(name=name, slug=slug)


@transaction.atomic
def create_collection(
    *,
    title: str,
    kind: str = Collection.Kind.MANUAL,
    slug: str | None = None,
    description: str = "",
    rule_tag: str | None = None,
    rule_min_price: Decimal | str | int | None = None,
    rule_max_price: Decimal | str | int | None = None,
    seo_title: str = "",
    seo_description: str = "",
    products: Sequence[Product] = (),
) -> Collection:
    """Create a collection: manual (``products`` in order) or rule-based (by tag and/or price range)."""
    collection = Collection(title=(title or "").strip(), slug=slug or _free_slug(title, model=Collection))
    return _save_collection(
        collection,
        products=products,
        kind=kind,
        description=description,
        rule_tag=rule_tag,
        rule_min_price=rule_min_price,
        rule_max_price=rule_max_price,
        seo_title=seo_title,
        seo_description=seo_description,
    )


@transaction.atomic
def update_collection(
    *, collection: Collection, products: Sequence[Product] | None = None, **fields: object
) -> Collection:
    allowed = {"title", "slug", "kind", "description", "rule_tag", "rule_min_price", "rule_max_price"}
    allowed |= {"seo_title", "seo_description"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in sorted(unknown)})
    current = {
        "rule_tag": collection.rule_tag.name if collection.rule_tag else None,
        "rule_min_price": collection.rule_min_price,
        "rule_max_price": collection.rule_max_price,
    }
    for name in ("title", "slug"):
        if name in fields:
            setattr(collection, name, str(fields.pop(name) or "").strip())
    return _save_collection(collection, products=products, **{**current, **fields})


def _save_collection(collection: Collection, *, products: Sequence[Product] | None, **fields: object) -> Collection:
    errors: dict[str, list[str]] = {}
    for name in ("kind", "description", "seo_title", "seo_description"):
        if name in fields:
            setattr(collection, name, fields[name])
    for name in ("rule_min_price", "rule_max_price"):
        value = fields.get(name)
        if value in (None, ""):
            setattr(collection, name, None)
        else:
            label = "Minimum price" if name == "rule_min_price" else "Maximum price"
            _set_amount(collection, name, value, errors, label=label)
    tag_name = fields.get("rule_tag")
    collection.rule_tag = None
    if tag_name:
        collection.rule_tag = Tag.objects.filter(name__iexact=str(tag_name).strip()).first()
        if collection.rule_tag is None:
            errors.setdefault("rule_tag", []).append(f"No tag named {tag_name!r} in this store.")
    if collection.kind == Collection.Kind.RULE:
        if not (tag_name or any(fields.get(name) not in (None, "") for name in ("rule_min_price", "rule_max_price"))):
            errors.setdefault("kind", []).append("A rule-based collection needs a tag, a price range, or both.")
        if products:
            errors.setdefault("products", []).append("Products of a rule-based collection follow its rules.")
    low, high = collection.rule_min_price, collection.rule_max_price
    if low is not None and high is not None and low > high:
        errors.setdefault("rule_max_price", []).append("The maximum price must not be below the minimum.")
    if not errors:
        errors = _model_errors(collection, exclude=["rule_min_price", "rule_max_price", "rule_tag"])
    if errors:
        raise ValidationError(errors)
    collection.save()
    if collection.kind == Collection.Kind.RULE:
        collection.memberships.all().delete()
    elif products is not None:
        collection.memberships.all().delete()
        unique = list(dict.fromkeys(products))
        CollectionProduct.objects.bulk_create(
            CollectionProduct(collection=collection, product=product, position=index)
            for index, product in enumerate(unique)
        )
    invalidate_store_pages()
    return collection


@transaction.atomic
def delete_collection(*, collection: Collection) -> None:
    collection.delete()
    invalidate_store_pages()


# --- CSV import and export --------------------------------------------------------------------------------


@transaction.atomic
def start_catalog_import(
    *, file: File, create_missing: bool = True, actor: str = "", filename: str = ""
) -> CatalogImport:
    """Check a product CSV's size, encoding and header now, then import its rows in a background task.

    Rows are applied one by one by tasks.run_catalog_import; poll the returned CatalogImport for progress.
    """
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": ["The file is empty."]})
    if size > MAX_CSV_BYTES:
        raise ValidationError({"file": [f"The CSV is {size / 1024 / 1024:.1f} MB; the limit is 10 MB."]})
    file.seek(0)
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": ["The CSV must be UTF-8 text."]}) from None
    if "\x00" in text:
        raise ValidationError({"file": ["The file is not a CSV text file."]})
    header_errors = validate_header(io.StringIO(text))
    if header_errors:
        raise ValidationError({"file": header_errors})
    catalog_import = CatalogImport.objects.create(
        source=text, filename=(filename or getattr(file, "name", "") or "")[:255], create_missing=create_missing,
        actor=actor[:100],
    )  # fmt: skip
    from .tasks import run_catalog_import

    enqueue_for_store(run_catalog_import, schema_name=connection.schema_name, args=(catalog_import.pk,))
    return catalog_import


@transaction.atomic
def start_catalog_export(*, actor: str = "") -> CatalogExport:
    """Write every variant to a CSV in a background task (columns: csv_format.COLUMNS)."""
    catalog_export = CatalogExport.objects.create(actor=actor[:100], total_rows=ProductVariant.objects.count())
    from .tasks import run_catalog_export

    enqueue_for_store(run_catalog_export, schema_name=connection.schema_name, args=(catalog_export.pk,))
    return catalog_export


# --- Helpers ----------------------------------------------------------------------------------------------


def _model_errors(instance: object, exclude: Sequence[str] = ()) -> dict[str, list[str]]:
    try:
        instance.full_clean(exclude=list(exclude))  # type: ignore[attr-defined]
    except ValidationError as error:
        return {name: list(messages) for name, messages in error.message_dict.items()}
    return {}


def _prefixed(error: ValidationError, prefix: str) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {f"{prefix}.{name}": list(messages) for name, messages in error.message_dict.items()}
    return {prefix: list(error.messages)}


def _free_slug(text: str, *, model: type = Product) -> str:
    base = slugify(text)[:180] or model.__name__.lower()
    slug, suffix = base, 2
    while model.objects.filter(slug=slug).exists():  # type: ignore[attr-defined]
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _free_sku(text: str) -> str:
    """A readable SKU made from a title ("ALPHA-TRAIL-TENT"), unique in the store."""
    base = (slugify(text).upper() or "SKU")[: SKU_MAX_LENGTH - 8]
    sku = base
    while ProductVariant.objects.filter(sku=sku).exists():
        sku = f"{base}-{secrets.token_hex(3).upper()}"
    return sku
