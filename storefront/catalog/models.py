"""A store's catalog: products, options, variants, images, tags, collections, stock history and CSV jobs.

Every row lives in that store's own schema, so "unique" (slugs, SKUs) means unique within one store.
"""

from decimal import Decimal
from typing import Any

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.db.models.functions import Cast, Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from platform.kit.gtin import validate_gtin
from platform.kit.money import AMOUNT_DECIMAL_PLACES, AMOUNT_MAX_DIGITS
from platform.kit.translation_models import TranslationRow, translation_constraints, translation_ordering
from storefront.richtext import clean_html

MAX_OPTIONS = 3
# Every variant is a row of the product page's picker and of the dashboard's grid; past this they stop being usable.
MAX_VARIANTS = 100
DUPLICATE_OPTIONS = "Another variant of this product already has these option values."


def money_field(**kwargs: Any) -> models.DecimalField:
    """A money column: exact decimal in the store's currency (see money.py), never negative."""
    return models.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS,
        decimal_places=AMOUNT_DECIMAL_PLACES,
        validators=[MinValueValidator(Decimal("0"))],
        **kwargs,
    )


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)
    # The tag's key in listing addresses (?tag=): in the name's own script when it has letters beyond ASCII (茶杯).
    slug = models.SlugField(max_length=80, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        # Search by part of a tag's name (see Product's trigram indexes).
        indexes = [
            GinIndex(
                OpClass(Upper(Cast("name", models.TextField())), name="gin_trgm_ops"), name="catalog_tag_name_trgm"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("product status", "Draft")
        ACTIVE = "active", pgettext_lazy("product status", "Active")
        ARCHIVED = "archived", pgettext_lazy("product status", "Archived")

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        error_messages={"unique": _("Another product in this store already has this slug.")},
    )
    # Sanitised HTML (see save()); templates may mark it safe.
    description = models.TextField(blank=True)
    # The lowest price among the product's variants: what a listing shows ("from $12"), and the one column price
    # rules and sorting read. Only catalog.services writes it, whenever a variant's price changes.
    price = money_field()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=320, blank=True)
    # The barcode number (EAN/UPC/GTIN-14), kept as 14 digits; optional. The directory groups listings of the
    # same GTIN from several stores into one result ("sold by 3 stores").
    gtin = models.CharField(max_length=14, blank=True, default="", validators=[validate_gtin], verbose_name="GTIN")
    tags = models.ManyToManyField(Tag, related_name="products", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="catalog_product_price_gte_0")]
        indexes = [
            models.Index(fields=["status", "title"]),
            models.Index(fields=["status", "price"]),
            # The seller's product list of every status, by name: a page is read off the index, not sorted.
            models.Index(fields=["title", "id"], name="catalog_product_by_title"),
            # Search by part of a word (``icontains``: UPPER(col::text) LIKE …); trigrams (pg_trgm, installed in
            # the public schema) find the few products that can match instead of reading every title.
            GinIndex(OpClass(Upper(Cast("title", models.TextField())), name="gin_trgm_ops"), name="catalog_title_trgm"),
            GinIndex(
                OpClass(Upper(Cast("description", models.TextField())), name="gin_trgm_ops"),
                name="catalog_description_trgm",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Sanitising here (a data invariant, not a workflow) means no path — service, import, admin — can
        # ever store a <script> that a template later renders.
        self.description = clean_html(self.description)
        super().save(*args, **kwargs)

    @property
    def cover(self) -> "ProductImage | None":
        """The first image; reads the prefetched ``images`` when the selector prefetched them."""
        if self.pk is None:
            return None
        images = list(self.images.all())
        return images[0] if images else None

    @property
    def image(self) -> ImageFieldFile | None:
        cover = self.cover
        return cover.image if cover else None

    @property
    def thumbnail(self) -> ImageFieldFile | None:
        cover = self.cover
        return cover.thumbnail if cover else None


class ProductOption(models.Model):
    """A dimension the variants differ in (Size, Colour), with its values in display order."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_OPTIONS)])
    name = models.CharField(max_length=50)
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["product", "position"], name="catalog_option_unique_position"),
            models.UniqueConstraint(fields=["product", "name"], name="catalog_option_unique_name"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=MAX_OPTIONS), name="catalog_option_position_1_to_3"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductVariant(models.Model):
    """One sellable thing: a product in one combination of option values, with its own SKU, price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Unique in the schema, so unique per store; CSV import finds variants by it.
    sku = models.CharField(
        max_length=64, unique=True, error_messages={"unique": _("Another variant in this store already has this SKU.")}
    )
    # The value for the product's option 1, 2 and 3 ("" where the product has fewer options).
    option1 = models.CharField(max_length=64, blank=True, default="")
    option2 = models.CharField(max_length=64, blank=True, default="")
    option3 = models.CharField(max_length=64, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    price = money_field()
    compare_at_price = money_field(null=True, blank=True)
    track_inventory = models.BooleanField(default=False)
    continue_selling_when_out_of_stock = models.BooleanField(default=False)
    # Changed only through catalog.services.adjust_stock/set_stock, which also write InventoryAdjustment rows.
    stock = models.IntegerField(default=0)
    weight_grams = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        # Search by part of a SKU (see Product's trigram indexes).
        indexes = [
            GinIndex(OpClass(Upper(Cast("sku", models.TextField())), name="gin_trgm_ops"), name="catalog_sku_trgm")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "option1", "option2", "option3"],
                name="catalog_variant_unique_options",
                violation_error_message=DUPLICATE_OPTIONS,
            ),
            models.CheckConstraint(condition=~models.Q(sku=""), name="catalog_variant_sku_not_empty"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="catalog_variant_price_gte_0"),
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True) | models.Q(compare_at_price__gte=0),
                name="catalog_variant_compare_at_price_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(stock__gte=0) | models.Q(continue_selling_when_out_of_stock=True),
                name="catalog_variant_stock_gte_0_unless_allowed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} ({self.title})"

    @property
    def option_values(self) -> list[str]:
        return [value for value in (self.option1, self.option2, self.option3) if value]

    @property
    def title(self) -> str:
        return " / ".join(self.option_values) or "Default"

    @property
    def available(self) -> bool:
        """Whether a buyer may order it now."""
        return not self.track_inventory or self.stock > 0 or self.continue_selling_when_out_of_stock


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    # Made from `image` by catalog.tasks.make_image_thumbnail, after the upload commits.
    thumbnail = models.ImageField(upload_to="products/thumbnails/", blank=True)
    alt_text = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name or ""


class Collection(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", "Manual"
        RULE = "rule", "Rule-based"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, error_messages={"unique": _("Another collection in this store has this slug.")}
    )
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    # Rule-based collections hold the active products matching every rule set here; the price rules read
    # Product.price (the lowest variant price, as listings show it).
    rule_tag = models.ForeignKey(Tag, on_delete=models.PROTECT, null=True, blank=True, related_name="collections")
    rule_min_price = money_field(null=True, blank=True)
    rule_max_price = money_field(null=True, blank=True)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=320, blank=True)
    products = models.ManyToManyField(Product, through="CollectionProduct", related_name="collections", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="manual")
                | models.Q(rule_tag__isnull=False)
                | models.Q(rule_min_price__isnull=False)
                | models.Q(rule_max_price__isnull=False),
                name="catalog_collection_rule_has_a_condition",
            ),
            models.CheckConstraint(
                condition=models.Q(rule_min_price__isnull=True)
                | models.Q(rule_max_price__isnull=True)
                | models.Q(rule_min_price__lte=models.F("rule_max_price")),
                name="catalog_collection_min_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.description = clean_html(self.description)  # same reason as Product.save
        super().save(*args, **kwargs)


class CollectionProduct(models.Model):
    """A product placed by hand in a manual collection, at a position."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="memberships")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="collection_memberships")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "product"], name="catalog_collection_product_unique")
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}:{self.product_id}@{self.position}"


class InventoryAdjustment(models.Model):
    """One change of a variant's stock, with why and who; the history explains every stock level."""

    class Reason(models.TextChoices):
        INITIAL = "initial", _("Initial stock")
        RECEIVED = "received", _("Stock received")
        CORRECTION = "correction", _("Count correction")
        DAMAGED = "damaged", _("Damaged or lost")
        SOLD = "sold", _("Sold")
        RETURNED = "returned", _("Returned")
        IMPORT = "import", _("CSV import")
        OTHER = "other", _("Other")

    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="inventory_adjustments")
    delta = models.IntegerField()
    stock_after = models.IntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    # Free text ("api token mct_ab12…", "import 7") until stores have staff accounts to point at.
    actor = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(delta=0), name="catalog_adjustment_delta_not_0")]

    def __str__(self) -> str:
        return f"{self.variant_id} {self.delta:+d} ({self.reason})"


class CatalogJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    actor = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk} ({self.status}, {self.processed_rows}/{self.total_rows})"


class CatalogImport(CatalogJob):
    """A CSV of products being imported by a task; a page polls its progress and per-line errors."""

    filename = models.CharField(max_length=255, blank=True)
    # The CSV itself, kept in the store's schema rather than under /media/, which anyone may fetch by URL.
    source = models.TextField()
    # False: rows whose SKU is unknown are errors (an update-only import) instead of new variants.
    create_missing = models.BooleanField(default=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [{"line": 3, "sku": "MUG-1", "message": "..."}], the first MAX_REPORTED_ERRORS of them.
    errors = models.JSONField(default=list, blank=True)
    # Why the whole file failed, when it did (rows' own errors are in `errors`).
    message = models.TextField(blank=True)

    MAX_REPORTED_ERRORS = 500

    class Meta(CatalogJob.Meta):
        pass


class CatalogExport(CatalogJob):
    """A CSV of every variant, written by a task; downloaded through the seller API once done."""

    content = models.TextField(blank=True)

    class Meta(CatalogJob.Meta):
        pass


class CatalogTranslation(TranslationRow):
    """A product's or collection's title and description in one of the store's extra languages."""

    title = models.CharField(max_length=200)
    # Sanitised HTML, like Product.description and Collection.description.
    description = models.TextField(blank=True)

    text_field = "title"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.description = clean_html(self.description)  # same reason as Product.save
        super().save(*args, **kwargs)


class CollectionTranslation(CatalogTranslation):
    """A collection's title and description in one of the store's extra languages, like ProductTranslation."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="translations")

    owner_field = "collection"

    class Meta:
        ordering = translation_ordering("collection")
        constraints = translation_constraints(
            owner_field="collection", text_field="title", prefix="catalog_collection_translation"
        )


class ProductTranslation(CatalogTranslation):
    """A product's title and description in one of the store's extra languages (docs/languages.md)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")

    owner_field = "product"

    class Meta:
        ordering = translation_ordering("product")
        constraints = translation_constraints(owner_field="product", text_field="title", prefix="catalog_translation")
