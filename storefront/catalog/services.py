"""Changes to a store's catalog; callers run them in that store's schema. Each is one transaction.

Errors come back as ``ValidationError`` keyed by field (nested ones as ``variants.1.price``), so an API or a form
can show each next to its input; nothing is written when one is raised.
"""

import copy
import io
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import EllipsisType

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import CharField, F, Max, Min, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from billing.limits import ensure_can_add_product
from platform.kit.gtin import normalize_gtin
from platform.kit.money import currency_decimals, parse_amount
from platform.kit.queueing import enqueue_for_store
from storefront.page_cache import invalidate_store_pages
from storefront.themes.selectors import store_currency
from storefront.themes.services import save_translations
from tenants.connection import connection

from .changes import announce_product_change
from .csv_format import validate_header
from .identifiers import readable_slug, refused_tag_character, sku_stem, tag_key
from .images import inspect_image
from .models import (
    DUPLICATE_OPTIONS,
    MAX_OPTIONS,
    MAX_VARIANTS,
    CatalogExport,
    CatalogImport,
    Collection,
    CollectionProduct,
    CollectionTranslation,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductOption,
    ProductTranslation,
    ProductVariant,
    Tag,
)
from .variant_grid import option_errors, saved_combination

MAX_CSV_BYTES = 10 * 1024 * 1024
# The catalog's tasks (catalog.tasks), sent by name: the tasks import this module.
THUMBNAIL_TASK = "catalog.make_image_thumbnail"
IMPORT_TASK = "catalog.run_catalog_import"
EXPORT_TASK = "catalog.run_catalog_export"
VARIANT_FIELDS = {field.name for field in ProductVariant._meta.get_fields()}
SKU_MAX_LENGTH = 64
# PostgreSQL's integer, the column type of a variant's stock and of an adjustment's delta and stock after it.
STOCK_LIMIT = 2**31 - 1
STOCK_LIMITS_SHOWN = {"lowest": f"{-STOCK_LIMIT:,}", "highest": f"{STOCK_LIMIT:,}"}


@dataclass(frozen=True)
class OptionSpec:
    name: str
    values: Sequence[str] = ()


@dataclass(frozen=True)
class VariantSpec:
    # None: a SKU is made from the product's title and the variant's option values.
    sku: str | None
    price: Decimal | str | int
    options: Sequence[str] = ()
    compare_at_price: Decimal | str | int | None = None
    stock: int = 0
    track_inventory: bool = False
    continue_selling_when_out_of_stock: bool = False
    weight_grams: int = 0


@dataclass(frozen=True)
class TranslatedText:
    """A product's (or collection's) title and description in one language; both empty means "no translation"
    (the default shows)."""

    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class VariantRow:
    """One variant of a product's whole variant list, as save_product_variants takes it.

    ``id``, or else a ``sku`` one of the product's variants has, names the saved variant the row keeps, with its
    stock and history; a row naming none is a new variant. ``None`` (``...`` for ``compare_at_price``, where None
    clears it) leaves a saved variant's field as it is; a new variant needs a price, and without a SKU gets one
    made from the product's title and its option values. ``stock`` is a count; with ``stock_seen``, the count the
    seller was shown, the stock moves by their difference instead, so a sale made meanwhile is not undone.
    """

    options: Sequence[str] = ()
    id: int | None = None
    sku: str | None = None
    price: Decimal | str | int | None = None
    compare_at_price: Decimal | str | int | EllipsisType | None = ...
    stock: int | None = None
    stock_seen: int | None = None
    weight_grams: int | None = None
    track_inventory: bool | None = None
    continue_selling_when_out_of_stock: bool | None = None


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
    weight_grams: int = 0,
    tags: Sequence[str] = (),
    seo_title: str = "",
    seo_description: str = "",
    gtin: str = "",
    options: Sequence[OptionSpec] = (),
    variants: Sequence[VariantSpec] | None = None,
    image_name: str | None = None,
    image_bytes: bytes | None = None,
    image_alt: str = "",
    translations: Mapping[str, TranslatedText] | None = None,
    actor: str = "",
) -> Product:
    """Create a product with its variants in the current store.

    A simple product passes ``price`` (and optionally ``sku``, ``stock``...): it gets one default variant.
    A product with options passes ``options`` and ``variants`` instead. A picture passed as bytes is stored
    and thumbnailed in the background once the transaction commits. ``translations`` are its title and
    description in the store's extra languages (as ``save_product_translations`` takes them; errors under
    ``translations.``): a wrong one refuses the whole product.
    """
    if variants is None:
        if price is None:
            raise ValidationError({"price": [gettext("Price is required.")]})
        variants = [
            VariantSpec(
                sku=sku or _free_sku(slug or title),
                price=price,
                compare_at_price=compare_at_price,
                stock=stock,
                track_inventory=track_inventory,
                weight_grams=weight_grams,
            )
        ]
    elif price is not None:
        raise ValidationError({"price": [gettext("Give the price on each variant, not on the product.")]})
    if not variants:
        raise ValidationError({"variants": [gettext("A product needs at least one variant.")]})
    if len(variants) > MAX_VARIANTS:
        message = gettext("A product has at most %(limit)s variants; got %(count)s.")
        raise ValidationError({"variants": [message % {"limit": MAX_VARIANTS, "count": len(variants)}]})
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
    errors.update(_set_gtin(product, gtin))
    option_errors = _validate_option_specs(options)
    errors.update(option_errors)
    if errors:
        raise ValidationError(errors)
    product.save()
    for position, spec in enumerate(options, start=1):
        values = [str(value).strip() for value in spec.values]
        ProductOption.objects.create(product=product, position=position, name=spec.name.strip(), values=values)
    _set_tags(product, tags)

    errors = {}
    for index, variant_spec in enumerate(variants):
        try:
            _create_variant(product, variant_spec, position=index, actor=actor)
        except ValidationError as error:
            errors.update(_prefixed(error, f"variants.{index}"))
    if errors:
        raise ValidationError(errors)
    _refresh_price(product)
    if translations:
        _save_translations(ProductTranslation, owner={"product": product}, texts=translations, prefix="translations")
    if image_bytes is not None:
        add_product_image(
            product=product, file=ContentFile(image_bytes, name=image_name or "picture"), alt_text=image_alt or title
        )
    return product


@transaction.atomic
def update_product(
    *,
    product: Product,
    tags: Sequence[str] | None = None,
    translations: Mapping[str, TranslatedText] | None = None,
    **fields: object,
) -> Product:
    """Change a product's own fields (title, slug, description, status, seo_title, seo_description, gtin) and tags,
    and its ``translations`` into the languages named (others are kept; an empty text removes that language's)."""
    allowed = {"title", "slug", "description", "status", "seo_title", "seo_description", "gtin"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed here.")] for name in sorted(unknown)})
    if fields.get("status") == Product.Status.ACTIVE and product.status != Product.Status.ACTIVE:
        ensure_can_add_product()  # billing: the plan's active-product limit
    gtin = fields.pop("gtin", None)
    for name, value in fields.items():
        setattr(product, name, value.strip() if isinstance(value, str) and name != "description" else value)
    errors = _set_gtin(product, gtin) if gtin is not None else {}
    errors.update(_model_errors(product, exclude=list(errors)))
    if errors:
        raise ValidationError(errors)
    product.save()
    if tags is not None:
        _set_tags(product, tags)
    if translations:
        _save_translations(ProductTranslation, owner={"product": product}, texts=translations, prefix="translations")
    product_changed(product.pk)
    return product


def _set_gtin(product: Product, gtin: object) -> dict[str, list[str]]:
    """Store ``gtin`` in its canonical 14-digit form; the errors to show when it is no valid GTIN."""
    try:
        product.gtin = normalize_gtin(str(gtin or ""))
    except ValidationError as error:
        return {"gtin": list(error.messages)}
    return {}


@transaction.atomic
def save_product_translations(*, product: Product, texts: Mapping[str, TranslatedText]) -> Product:
    """Set the product's title and description in each language of ``texts`` (``{language: text}``); an empty
    text removes that language's translation. Refused whole, writing nothing, when one language is wrong."""
    _save_translations(ProductTranslation, owner={"product": product}, texts=texts)
    product_changed(product.pk)
    return product


@transaction.atomic
def save_collection_translations(*, collection: Collection, texts: Mapping[str, TranslatedText]) -> Collection:
    """Set the collection's title and description per language, as ``save_product_translations`` does a
    product's: an empty text removes that language's translation; one wrong language refuses them all."""
    _save_translations(CollectionTranslation, owner={"collection": collection}, texts=texts)
    invalidate_store_pages()
    return collection


def _save_translations(
    model: type[ProductTranslation] | type[CollectionTranslation],
    *,
    owner: dict[str, Product] | dict[str, Collection],
    texts: Mapping[str, TranslatedText],
    prefix: str = "",
) -> None:
    """Write ``texts`` as ``model`` rows of ``owner`` (``{field: instance}``) through
    ``themes.services.save_translations``, or raise every error found first (keyed ``<language>.<field>``, after
    ``prefix.`` when one is given). Trimmed only: the model cleans the description's HTML as it saves the row."""
    fields = {
        language: {"title": text.title.strip(), "description": text.description.strip()}
        for language, text in texts.items()
    }
    save_translations(model, owner=owner, texts=fields, prefix=prefix)


@transaction.atomic
def delete_product(*, product: Product) -> None:
    """Delete a product with its variants, stock history and pictures (the files go once this commits)."""
    names = [name for image in product.images.all() for name in (image.image.name, image.thumbnail.name) if name]
    product_id = product.pk
    product.delete()
    # Announced after the delete, so a listener sees the product gone (sponsored campaigns drop it).
    product_changed(product_id)
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
    compare_at_price: Decimal | str | int | EllipsisType | None = ...,
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
        _set_amount(variant, "price", price, errors, label=gettext("Price"))
    if compare_at_price is not ...:
        if compare_at_price is None or compare_at_price == "":
            variant.compare_at_price = None
        else:
            _set_amount(variant, "compare_at_price", compare_at_price, errors, label=gettext("Compare-at price"))
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
        raise ValidationError(
            {"variant": [gettext("A product keeps at least one variant; delete the product instead.")]}
        )
    variant.delete()
    _refresh_price(product)


@transaction.atomic
def save_product_variants(
    *, product: Product, options: Sequence[OptionSpec], variants: Sequence[VariantRow], actor: str = ""
) -> Product:
    """Make a product's options exactly ``options`` (names and values, in order) and its variants ``variants``.

    Saved variants a row names keep their id, stock and history (a changed stock is recorded as a count
    correction); the ones no row names are deleted; the other rows become new variants, in the rows' order.
    Everything is checked before anything is written, and errors name the option or row (``variants.2.price``).
    """
    Product.objects.select_for_update().filter(pk=product.pk).first()  # one writer per product's variants
    saved = {
        variant.pk: variant
        for variant in ProductVariant.objects.select_for_update().filter(product=product).order_by("position", "id")
    }
    names = [spec.name.strip() for spec in options]
    values = [[str(value).strip() for value in spec.values] for spec in options]
    errors = option_errors(list(zip(names, values, strict=True)))
    if not variants:
        errors["variants"] = [gettext("A product needs at least one variant.")]
    elif len(variants) > MAX_VARIANTS:
        message = gettext("A product has at most %(limit)s variants; this would make %(count)s.")
        errors["variants"] = [message % {"limit": MAX_VARIANTS, "count": len(variants)}]
    if errors:
        raise ValidationError(errors)

    named_ids = {row.id for row in variants if row.id is not None}
    # A row without an id keeps the variant whose SKU it gives, unless another row names that variant by id.
    by_sku = {variant.sku: variant for variant in saved.values() if variant.pk not in named_ids}
    kept: dict[int, int] = {}  # saved variant id -> the row keeping it
    combinations: dict[tuple[str, ...], int] = {}
    planned: list[tuple[int, ProductVariant, ProductVariant | None, int]] = []
    for index, row in enumerate(variants):
        row_errors: dict[str, list[str]] = {}
        original = None
        if row.id is not None:
            original = saved.get(row.id)
            if original is None:
                # Nothing else about the row can be judged: it is neither that variant nor a new one.
                errors[f"variants.{index}.id"] = [gettext("This product has no variant %(id)s.") % {"id": row.id}]
                continue
        elif row.sku and row.sku.strip() in by_sku:
            original = by_sku[row.sku.strip()]
        if original is not None:
            if original.pk in kept:
                row_errors["id"] = [
                    gettext("Row %(row)s already keeps variant %(sku)s.")
                    % {"row": kept[original.pk] + 1, "sku": original.sku}
                ]
            kept.setdefault(original.pk, index)
        variant = ProductVariant(product=product, price=Decimal(0)) if original is None else copy.copy(original)
        stock_change = _plan_row(variant, original, row, index, names, values, combinations, row_errors)
        errors.update(_prefixed(ValidationError(row_errors), f"variants.{index}") if row_errors else {})
        planned.append((index, variant, original, stock_change))

    # SKUs: given ones must be unique among the rows and the store's other products; missing ones are made.
    final_skus: dict[str, int] = {}
    for index, variant, _, _ in planned:
        if not variant.sku:
            continue
        if variant.sku in final_skus:
            errors.setdefault(f"variants.{index}.sku", []).append(
                gettext("Another variant in this store already has this SKU.")
            )
        final_skus.setdefault(variant.sku, index)
    elsewhere = set(
        ProductVariant.objects.filter(sku__in=list(final_skus)).exclude(product=product).values_list("sku", flat=True)
    )
    for sku in elsewhere:
        errors.setdefault(f"variants.{final_skus[sku]}.sku", []).append(
            gettext("Another variant in this store already has this SKU.")
        )
    if errors:
        raise ValidationError(errors)
    taken = set(final_skus)
    for _, variant, _, _ in planned:
        if not variant.sku:
            variant.sku = _free_sku(" ".join([product.title, *_option_values(variant)]), taken=taken)
            taken.add(variant.sku)

    # Written in an order that never breaks a unique constraint on the way: the variants no row keeps go first,
    # and kept ones whose SKU or values change step aside before any takes its new ones (two may swap).
    ProductVariant.objects.filter(product=product).exclude(pk__in=list(kept)).delete()
    ProductOption.objects.filter(product=product).delete()
    ProductOption.objects.bulk_create(
        ProductOption(product=product, position=position, name=name, values=option_values)
        for position, (name, option_values) in enumerate(zip(names, values, strict=True), start=1)
    )
    moving = [
        original.pk
        for _, variant, original, _ in planned
        if original is not None
        and (variant.sku, *_option_columns(variant)) != (original.sku, *_option_columns(original))
    ]
    if moving:
        aside = Concat(Value(f"~{secrets.token_hex(8)}-"), Cast("id", output_field=CharField()))
        ProductVariant.objects.filter(pk__in=moving).update(sku=aside, option1=aside, option2="", option3="")
    for _, variant, original, stock_change in planned:
        if original is not None:
            variant.save(update_fields=ROW_FIELDS)
            if stock_change:
                adjust_stock(
                    variant=variant, delta=stock_change, reason=InventoryAdjustment.Reason.CORRECTION, actor=actor
                )
        else:
            variant.stock = 0
            variant.save()
            if stock_change:
                adjust_stock(
                    variant=variant, delta=stock_change, reason=InventoryAdjustment.Reason.INITIAL, actor=actor
                )
    _refresh_price(product)
    return product


# What save_product_variants writes of a kept variant; its stock moves only through adjust_stock.
ROW_FIELDS = [
    "sku", "option1", "option2", "option3", "position", "price", "compare_at_price", "track_inventory",
    "continue_selling_when_out_of_stock", "weight_grams", "updated_at",
]  # fmt: skip


def _plan_row(
    variant: ProductVariant,
    original: ProductVariant | None,
    row: VariantRow,
    index: int,
    names: list[str],
    values: list[list[str]],
    combinations: dict[tuple[str, ...], int],
    errors: dict[str, list[str]],
) -> int:
    """Apply ``row`` to ``variant`` (a copy of ``original``, or a new one) and check it; returns the stock change."""
    variant.position = index
    combination = tuple(str(value).strip() for value in row.options)
    if len(combination) != len(names):
        errors["options"] = [
            f"Give one value per product option ({len(names)}: {', '.join(names) or 'none'}); got {len(combination)}."
        ]
    else:
        unknown = [
            f"{value!r} is not a value of {name}."
            for name, value, allowed in zip(names, combination, values, strict=True)
            if value not in allowed
        ]
        if unknown:
            errors["options"] = unknown
        elif combination in combinations:
            errors["options"] = [DUPLICATE_OPTIONS]
        combinations.setdefault(combination, index)
        padded = [*combination, *[""] * (MAX_OPTIONS - len(combination))]
        variant.option1, variant.option2, variant.option3 = padded[:MAX_OPTIONS]
    if row.sku is not None and row.sku.strip():
        variant.sku = row.sku.strip()
    elif original is None:
        variant.sku = ""  # made once every given SKU is known
    if row.price is not None:
        _set_amount(variant, "price", row.price, errors, label=gettext("Price"))
    elif original is None:
        errors["price"] = [gettext("Give the new variant a price.")]
    if row.compare_at_price is not ...:
        if row.compare_at_price in (None, ""):
            variant.compare_at_price = None
        else:
            _set_amount(variant, "compare_at_price", row.compare_at_price, errors, label=gettext("Compare-at price"))
    for name in ("weight_grams", "track_inventory", "continue_selling_when_out_of_stock"):
        if getattr(row, name) is not None:
            setattr(variant, name, getattr(row, name))
    current = original.stock if original is not None else 0
    stock_change = 0
    if row.stock is not None:
        seen = row.stock_seen if row.stock_seen is not None and original is not None else current
        stock_change = row.stock - seen
        if current + stock_change < 0 and not variant.continue_selling_when_out_of_stock:
            errors["stock"] = [
                gettext(
                    "Stock would be %(stock)s; it cannot go below 0 unless the variant keeps selling when out of stock."
                )
                % {"stock": current + stock_change}
            ]
    # Checked with the stock it will have (which only adjust_stock writes); the unique SKUs and option values
    # were checked across the rows above, since the saved rows are about to change.
    variant.stock = current if "stock" in errors else current + stock_change
    _check_variant(variant, errors, against_saved_rows=False, skip=[] if variant.sku else ["sku"])
    variant.stock = current
    return stock_change


def _option_columns(variant: ProductVariant) -> tuple[str, str, str]:
    return (variant.option1, variant.option2, variant.option3)


def _option_values(variant: ProductVariant) -> list[str]:
    return [value for value in _option_columns(variant) if value]


@transaction.atomic
def add_product_options(*, product: Product, options: Sequence[OptionSpec], actor: str = "") -> Product:
    """Add options after a product's own; every variant takes each new option's first value (then change them)."""
    saved_options = list(ProductOption.objects.filter(product=product).order_by("position"))
    saved_variants = list(ProductVariant.objects.filter(product=product).order_by("position", "id"))
    firsts = [str(spec.values[0]).strip() if spec.values else "" for spec in options]
    return save_product_variants(
        product=product,
        options=[*(OptionSpec(option.name, option.values) for option in saved_options), *options],
        variants=[
            VariantRow(id=variant.pk, options=[*saved_combination(variant, len(saved_options)), *firsts])
            for variant in saved_variants
        ],
        actor=actor,
    )


def _create_variant(product: Product, spec: VariantSpec, *, position: int, actor: str) -> ProductVariant:
    errors: dict[str, list[str]] = {}
    sku = _free_sku(" ".join([product.title, *map(str, spec.options)])) if spec.sku is None else spec.sku.strip()
    variant = ProductVariant(
        product=product,
        sku=sku,
        position=position,
        track_inventory=spec.track_inventory,
        continue_selling_when_out_of_stock=spec.continue_selling_when_out_of_stock,
        weight_grams=spec.weight_grams,
        price=Decimal(0),
    )
    _set_amount(variant, "price", spec.price, errors, label=gettext("Price"))
    if spec.compare_at_price not in (None, ""):
        _set_amount(variant, "compare_at_price", spec.compare_at_price, errors, label=gettext("Compare-at price"))
    _apply_option_values(product, variant, spec.options, errors)
    if abs(spec.stock) > STOCK_LIMIT:
        errors.setdefault("stock", []).append(
            gettext("Stock must stay between %(lowest)s and %(highest)s.") % STOCK_LIMITS_SHOWN
        )
    elif spec.stock < 0 and not spec.continue_selling_when_out_of_stock:
        errors.setdefault("stock", []).append(
            gettext("Stock cannot be negative unless the variant keeps selling when out of stock.")
        )
    _check_variant(variant, errors)
    if errors:
        raise ValidationError(errors)
    variant.save()
    if spec.stock:
        adjust_stock(variant=variant, delta=spec.stock, reason=InventoryAdjustment.Reason.INITIAL, actor=actor)
    return variant


def _check_variant(
    variant: ProductVariant,
    errors: dict[str, list[str]],
    *,
    against_saved_rows: bool = True,
    skip: Sequence[str] = (),
) -> None:
    """Add what is wrong with ``variant`` to ``errors``; ``against_saved_rows=False`` skips the checks that compare
    it with the saved rows (unique SKU and option values), for a change that moves several rows at once."""
    if variant.compare_at_price is not None and "price" not in errors and variant.compare_at_price <= variant.price:
        errors.setdefault("compare_at_price", []).append(gettext("Compare-at price must be higher than the price."))
    if variant.stock < 0 and not variant.continue_selling_when_out_of_stock:
        errors.setdefault("continue_selling_when_out_of_stock", []).append(
            gettext("Stock is %(stock)s; bring it to 0 or more before turning this off.") % {"stock": variant.stock}
        )
    # A field already reported must not be reported again by the model's own checks (in Django's words).
    exclude = [name for name in [*errors, *skip] if name in VARIANT_FIELDS]
    for name, messages in _model_errors(variant, exclude=exclude, against_saved_rows=against_saved_rows).items():
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
        errors.setdefault("options", []).append(gettext("Option values cannot be empty."))
        return
    if any(len(value) > 64 for value in values):
        errors.setdefault("options", []).append(gettext("Option values are at most 64 characters."))
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
        errors["options"] = [gettext("A product has at most %(limit)s options.") % {"limit": MAX_OPTIONS}]
    names = [spec.name.strip() for spec in options]
    if any(not name for name in names) or any(len(name) > 50 for name in names):
        errors.setdefault("options", []).append(gettext("Option names are 1 to 50 characters."))
    if len({name.casefold() for name in names}) != len(names):
        errors.setdefault("options", []).append(gettext("Option names must differ."))
    # Values given up front (the dashboard's new-product form) follow the editor's rules; without them, values
    # are taken from the variants as they come.
    if any(spec.values for spec in options):
        specs = [(spec.name, [str(value) for value in spec.values]) for spec in options]
        for key, messages in option_errors(specs).items():
            if key.endswith(".values"):
                errors[key] = messages
    return errors


def _set_amount(instance: object, name: str, value: object, errors: dict[str, list[str]], *, label: str) -> None:
    try:
        setattr(instance, name, parse_amount(value, currency=store_currency(), label=label))
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)


def ensure_prices_fit_currency(currency: str) -> None:
    """Refuse a currency whose smallest unit can't express the store's current prices (cents in yen)."""
    if currency_decimals(currency) >= 2:
        return
    step = Decimal(1).scaleb(-currency_decimals(currency))
    fractional = [
        variant.sku
        for variant in ProductVariant.objects.only("sku", "price", "compare_at_price")
        if variant.price % step or (variant.compare_at_price is not None and variant.compare_at_price % step)
    ]
    if fractional:
        shown = ", ".join(fractional[:5]) + ("…" if len(fractional) > 5 else "")
        message = gettext(
            "%(currency)s has no cents, but %(count)s variant price(s) do (%(skus)s). Round those prices first."
        )
        raise ValidationError({"currency": message % {"currency": currency, "count": len(fractional), "skus": shown}})


def product_changed(product_id: int) -> None:
    """Tell what shows the product that it changed, once this transaction commits: the store's cached pages go
    stale, and the product's listing in the cross-store directory is queued for an update (its outbox row is
    written in this transaction, so a lost task loses nothing)."""
    announce_product_change(product_id)
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
        message = gettext("Unknown reason; use one of %(reasons)s.") % {
            "reasons": ", ".join(InventoryAdjustment.Reason)
        }
        raise ValidationError({"reason": [message]})
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise ValidationError({"delta": [gettext("Adjust by a whole number other than 0.")]})
    locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
    stock_after = locked.stock + delta
    if abs(delta) > STOCK_LIMIT or abs(stock_after) > STOCK_LIMIT:
        message = gettext("Stock must stay between %(lowest)s and %(highest)s; %(sku)s has %(stock)s.")
        raise ValidationError(
            {"delta": [message % {**STOCK_LIMITS_SHOWN, "sku": locked.sku, "stock": f"{locked.stock:,}"}]}
        )
    if stock_after < 0 and not locked.continue_selling_when_out_of_stock:
        raise ValidationError(
            {
                "delta": [
                    gettext("Only %(stock)s of %(sku)s in stock; cannot remove %(count)s.")
                    % {"stock": locked.stock, "sku": locked.sku, "count": -delta}
                ]
            },
            code="insufficient",
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
    enqueue_for_store(THUMBNAIL_TASK, schema_name=connection.schema_name, args=(image.pk,))
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
def arrange_product_images(
    *, product: Product, order: Sequence[int], alt_texts: Mapping[int, str]
) -> list[ProductImage]:
    """Put a product's pictures in ``order`` (each of its picture ids once; the first is the cover) and set the alt
    text of those in ``alt_texts``. Errors are keyed by place in ``order``: ``images.0.alt_text``."""
    images = {image.pk: image for image in ProductImage.objects.select_for_update().filter(product=product)}
    if sorted(order) != sorted(images) or not set(alt_texts) <= set(images):
        raise ValidationError(
            {"images": [gettext("The pictures changed while you were editing them; reload the page and try again.")]}
        )
    errors: dict[str, list[str]] = {}
    for index, image_id in enumerate(order):
        image = images[image_id]
        image.position = index + 1
        if image_id in alt_texts:
            image.alt_text = alt_texts[image_id].strip()
        for name, messages in _model_errors(image, exclude=["product", "image", "thumbnail"]).items():
            errors[f"images.{index}.{name}"] = messages
    if errors:
        raise ValidationError(errors)
    for image in images.values():
        image.save(update_fields=["alt_text", "position"])
    product_changed(product.pk)
    return [images[image_id] for image_id in order]


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
        raise ValidationError({"tags": [gettext("Tags are at most 64 characters: %(tag)s…") % {"tag": name[:20]}]})
    if "," in name:
        # CSV files list a product's tags separated by commas.
        raise ValidationError({"tags": [gettext("Tags cannot contain commas: %(tag)s.") % {"tag": repr(name)}]})
    refused = refused_tag_character(name)
    if refused is not None:
        message = gettext("The tag %(tag)s holds a control character (%(character)s).")
        raise ValidationError({"tags": [message % {"tag": repr(name), "character": f"U+{ord(refused):04X}"}]})
    slug = tag_key(name)[:80]
    if not slug:
        message = gettext("The tag %(tag)s needs at least one letter or digit.") % {"tag": repr(name)}
        raise ValidationError({"tags": [message]})
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
    translations: Mapping[str, TranslatedText] | None = None,
) -> Collection:
    """Create a collection: manual (``products`` in order) or rule-based (by tag and/or price range), with its
    ``translations`` (as ``save_collection_translations`` takes them; errors under ``translations.``)."""
    collection = Collection(title=(title or "").strip(), slug=slug or _free_slug(title, model=Collection))
    return _save_collection(
        collection,
        translations=translations,
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
    *,
    collection: Collection,
    products: Sequence[Product] | None = None,
    translations: Mapping[str, TranslatedText] | None = None,
    **fields: object,
) -> Collection:
    """Change a collection's own fields and products, and its ``translations`` into the languages named (others
    are kept; an empty text removes that language's)."""
    allowed = {"title", "slug", "kind", "description", "rule_tag", "rule_min_price", "rule_max_price"}
    allowed |= {"seo_title", "seo_description"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: [gettext("This field cannot be changed here.")] for name in sorted(unknown)})
    current = {
        "rule_tag": collection.rule_tag.name if collection.rule_tag else None,
        "rule_min_price": collection.rule_min_price,
        "rule_max_price": collection.rule_max_price,
    }
    for name in ("title", "slug"):
        if name in fields:
            setattr(collection, name, str(fields.pop(name) or "").strip())
    return _save_collection(collection, products=products, translations=translations, **{**current, **fields})


def _save_collection(
    collection: Collection,
    *,
    products: Sequence[Product] | None,
    translations: Mapping[str, TranslatedText] | None = None,
    **fields: object,
) -> Collection:
    errors: dict[str, list[str]] = {}
    for name in ("kind", "description", "seo_title", "seo_description"):
        if name in fields:
            setattr(collection, name, fields[name])
    for name in ("rule_min_price", "rule_max_price"):
        value = fields.get(name)
        if value in (None, ""):
            setattr(collection, name, None)
        else:
            label = gettext("Minimum price") if name == "rule_min_price" else gettext("Maximum price")
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
    if translations:
        _save_translations(
            CollectionTranslation, owner={"collection": collection}, texts=translations, prefix="translations"
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
        raise ValidationError({"file": [gettext("The file is empty.")]})
    if size > MAX_CSV_BYTES:
        message = gettext("The CSV is %(size)s MB; the limit is 10 MB.") % {"size": f"{size / 1024 / 1024:.1f}"}
        raise ValidationError({"file": [message]})
    file.seek(0)
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [gettext("The CSV must be UTF-8 text.")]}) from None
    if "\x00" in text:
        raise ValidationError({"file": [gettext("The file is not a CSV text file.")]})
    header_errors = validate_header(io.StringIO(text))
    if header_errors:
        raise ValidationError({"file": header_errors})
    catalog_import = CatalogImport.objects.create(
        source=text, filename=(filename or getattr(file, "name", "") or "")[:255], create_missing=create_missing,
        actor=actor[:100],
    )  # fmt: skip
    enqueue_for_store(IMPORT_TASK, schema_name=connection.schema_name, args=(catalog_import.pk,))
    return catalog_import


@transaction.atomic
def start_catalog_export(*, actor: str = "") -> CatalogExport:
    """Write every variant to a CSV in a background task (columns: csv_format.COLUMNS)."""
    catalog_export = CatalogExport.objects.create(actor=actor[:100], total_rows=ProductVariant.objects.count())
    enqueue_for_store(EXPORT_TASK, schema_name=connection.schema_name, args=(catalog_export.pk,))
    return catalog_export


# --- Helpers ----------------------------------------------------------------------------------------------


def _model_errors(
    instance: models.Model, exclude: Sequence[str] = (), *, against_saved_rows: bool = True
) -> dict[str, list[str]]:
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=against_saved_rows, validate_constraints=against_saved_rows
        )
    except ValidationError as error:
        return {name: list(messages) for name, messages in error.message_dict.items()}
    return {}


def _prefixed(error: ValidationError, prefix: str) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {f"{prefix}.{name}": list(messages) for name, messages in error.message_dict.items()}
    return {prefix: list(error.messages)}


def _free_slug(text: str, *, model: type[Product] | type[Collection] = Product) -> str:
    base = readable_slug(text)[:180] or model.__name__.lower()
    slug, suffix = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _free_sku(text: str, *, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A readable SKU made from a title ("ALPHA-TRAIL-TENT", 手工陶瓷茶杯 → "SGTCCB"), unique in the store and not
    one of ``taken``."""
    base = (sku_stem(text) or "SKU")[: SKU_MAX_LENGTH - 8]
    sku = base
    while sku in taken or ProductVariant.objects.filter(sku=sku).exists():
        sku = f"{base}-{secrets.token_hex(3).upper()}"
    return sku
