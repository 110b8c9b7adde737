"""Request and response shapes of the store API; money goes out as strings in the store's currency."""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, gettext_lazy
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from platform.kit.ids import MAX_ID
from platform.kit.money import format_amount, parse_amount
from storefront.catalog.models import (
    CatalogExport,
    Collection,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductVariant,
)
from storefront.pricing import PromotedPrice
from storefront.promotions.selectors import price_now
from storefront.themes.selectors import store_currency

# A row's id as a request body gives it: within PostgreSQL's bigint, refused (422) past it. An id in the path is
# looked up as it comes: past bigint, Django's lookups find no row, so it is simply not found (404).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ProductStatus = Literal["draft", "active", "archived"]
if TYPE_CHECKING:
    AdjustmentReason = str
else:  # built from the model's choices, which a type checker can't read: the API schema lists them as an enum
    AdjustmentReason = Literal[tuple(InventoryAdjustment.Reason.values)]


# Each money field's name in an error message (in English its field name, as a client sends it), translated when
# the message is written: an API error is in the request's language like the rest of the API's answers (the
# store's default language, or the one the request names).
MONEY_LABELS = {
    "price": gettext_lazy("Price"),
    "compare_at_price": gettext_lazy("Compare at price"),
    "amount": gettext_lazy("Amount"),
    "expected_total": gettext_lazy("Expected total"),
    "min_price": gettext_lazy("Min price"),
    "max_price": gettext_lazy("Max price"),
    "rule_min_price": gettext_lazy("Rule min price"),
    "rule_max_price": gettext_lazy("Rule max price"),
}


def _money(value: object, info: ValidationInfo) -> Decimal | None:
    if value is None:
        return None
    name = info.field_name or "amount"
    label = MONEY_LABELS.get(name) or name.replace("_", " ").capitalize()
    try:
        return parse_amount(value, currency=store_currency(), label=label)
    except DjangoValidationError as error:
        # A custom error keeps the seller-facing sentence as it is (no "Value error, " in front).
        raise PydanticCustomError("money", error.messages[0]) from None


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(description='A decimal string in the store\'s currency, e.g. "12.50" ("1500" in JPY).'),
]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        # PostgreSQL takes UTC offsets up to 15:59 only; ISO 8601 (and Python) up to 23:59.
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime", "Give a time whose date in UTC is between the years 1 and 9999."
        ) from None


# A moment taken from a request, in UTC: any offset ISO 8601 allows is read, whatever PostgreSQL accepts.
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else format_amount(value, currency=store_currency())


# --- Responses --------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ImageOut(Schema):
    id: int
    url: str
    thumbnail_url: str | None = Field(description="null until the background task has made it.")
    alt_text: str
    position: int
    width: int = Field(description="0 when unknown (pictures uploaded before sizes were recorded).")
    height: int

    @staticmethod
    def resolve_url(obj: ProductImage) -> str:
        return obj.image.url

    @staticmethod
    def resolve_thumbnail_url(obj: ProductImage) -> str | None:
        return obj.thumbnail.url if obj.thumbnail else None


class OptionOut(Schema):
    name: str
    position: int
    values: list[str]


class PromotionOut(Schema):
    name: str = Field(description='The running promotions that set current_price, joined by " + ".')
    list_price: str = Field(description="The price without them.")
    ends_at: datetime | None = Field(description="When this price stops: the earliest end of those promotions.")


def _promotion(price: PromotedPrice) -> PromotionOut | None:
    if not price.applied:
        return None
    return PromotionOut(
        name=price.label,
        list_price=format_amount(price.list_price, currency=store_currency()),
        ends_at=price.ends_at,
    )


class VariantOut(Schema):
    id: int
    product_id: int
    sku: str
    title: str
    options: list[str]
    price: str
    current_price: str = Field(description="What one unit costs now: price after the running promotions.")
    promotion: PromotionOut | None = Field(description="The running promotions in current_price; null for none.")
    compare_at_price: str | None
    currency: str
    available: bool
    weight_grams: int

    @staticmethod
    def resolve_current_price(obj: ProductVariant) -> str:
        return format_amount(price_now(obj.product_id, obj.price).unit_price, currency=store_currency())

    @staticmethod
    def resolve_promotion(obj: ProductVariant) -> PromotionOut | None:
        return _promotion(price_now(obj.product_id, obj.price))

    @staticmethod
    def resolve_options(obj: ProductVariant) -> list[str]:
        return obj.option_values

    @staticmethod
    def resolve_price(obj: ProductVariant) -> str:
        return format_amount(obj.price, currency=store_currency())

    @staticmethod
    def resolve_compare_at_price(obj: ProductVariant) -> str | None:
        return _amount(obj.compare_at_price)

    @staticmethod
    def resolve_currency(obj: object) -> str:
        return store_currency()


class SellerVariantOut(VariantOut):
    stock: int
    track_inventory: bool
    continue_selling_when_out_of_stock: bool


class ProductOut(Schema):
    id: int
    title: str
    slug: str
    description: str = Field(description="Sanitised HTML.")
    price: str = Field(description="The lowest variant price, as listings show it.")
    current_price: str = Field(description="What one unit costs now: price after the running promotions.")
    promotion: PromotionOut | None = Field(description="The running promotions in current_price; null for none.")
    currency: str
    seo_title: str
    seo_description: str
    tags: list[str]
    options: list[OptionOut]
    variants: Sequence[VariantOut]  # the seller's schema narrows it to SellerVariantOut
    images: list[ImageOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_price(obj: Product) -> str:
        return format_amount(obj.price, currency=store_currency())

    @staticmethod
    def resolve_current_price(obj: Product) -> str:
        return format_amount(price_now(obj.pk, obj.price).unit_price, currency=store_currency())

    @staticmethod
    def resolve_promotion(obj: Product) -> PromotionOut | None:
        return _promotion(price_now(obj.pk, obj.price))

    @staticmethod
    def resolve_currency(obj: object) -> str:
        return store_currency()

    @staticmethod
    def resolve_tags(obj: Product) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class SellerProductOut(ProductOut):
    status: str
    variants: list[SellerVariantOut]


class CollectionRuleOut(Schema):
    tag: str | None
    min_price: str | None
    max_price: str | None


class CollectionOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    kind: str
    rule: CollectionRuleOut | None
    seo_title: str
    seo_description: str

    @staticmethod
    def resolve_rule(obj: Collection) -> dict | None:
        if obj.kind != Collection.Kind.RULE:
            return None
        return {
            "tag": obj.rule_tag.name if obj.rule_tag else None,
            "min_price": _amount(obj.rule_min_price),
            "max_price": _amount(obj.rule_max_price),
        }


class AdjustmentOut(Schema):
    id: int
    variant_id: int
    delta: int
    stock_after: int
    reason: str
    note: str
    actor: str
    created_at: datetime


class RowErrorOut(Schema):
    line: int
    sku: str
    message: str


class ImportOut(Schema):
    id: int
    status: str
    filename: str
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    error_count: int
    errors: list[RowErrorOut]
    message: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ExportOut(Schema):
    id: int
    status: str
    total_rows: int
    processed_rows: int
    created_at: datetime
    finished_at: datetime | None
    download_path: str | None = Field(description="Where to GET the CSV once the export is done.")

    @staticmethod
    def resolve_download_path(obj: CatalogExport) -> str | None:
        if obj.status != "done":
            return None
        return f"/api/seller/catalog/exports/{obj.pk}/csv"


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


# --- Requests ---------------------------------------------------------------------------------------------


class OptionIn(Schema):
    name: str = Field(min_length=1, max_length=50)


class VariantIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    price: Money
    options: list[str] = Field(default_factory=list, max_length=3, description="One value per product option.")
    compare_at_price: Money | None = None
    stock: int = Field(0, ge=-1_000_000, le=1_000_000_000)
    track_inventory: bool = False
    continue_selling_when_out_of_stock: bool = False
    weight_grams: int = Field(0, ge=0, le=100_000_000)


class ProductIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(None, max_length=200)
    description: str = Field("", max_length=100_000, description="HTML; sanitised when saved.")
    status: ProductStatus = "active"
    tags: list[str] = Field(default_factory=list, max_length=50)
    seo_title: str = Field("", max_length=70)
    seo_description: str = Field("", max_length=320)
    options: list[OptionIn] = Field(default_factory=list, max_length=3)
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class ProductPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    slug: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=100_000)
    status: ProductStatus | None = None
    tags: list[str] | None = Field(None, max_length=50)
    seo_title: str | None = Field(None, max_length=70)
    seo_description: str | None = Field(None, max_length=320)


class VariantPatch(Schema):
    sku: str | None = Field(None, min_length=1, max_length=64)
    price: Money | None = None
    compare_at_price: Money | None = Field(None, description="null clears it.")
    options: list[str] | None = Field(None, max_length=3)
    track_inventory: bool | None = None
    continue_selling_when_out_of_stock: bool | None = None
    weight_grams: int | None = Field(None, ge=0, le=100_000_000)


class OptionValuesIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    values: list[str] = Field(min_length=1, max_length=100, description="In the order buyers see them.")


class GridVariantIn(Schema):
    id: int | None = Field(None, description="A variant of this product to keep, with its stock and history…")
    sku: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="…or the SKU of one to keep. A new variant without a SKU gets one made from the title.",
    )
    options: list[str] = Field(default_factory=list, max_length=3, description="One value per option, in order.")
    price: Money | None = Field(None, description="Required for a new variant; left out, a kept one's stays.")
    compare_at_price: Money | None = Field(None, description="null clears it; left out, a kept one's stays.")
    stock: int | None = Field(
        None, ge=-1_000_000, le=1_000_000_000, description="A count; a change is recorded as a count correction."
    )
    track_inventory: bool | None = None
    continue_selling_when_out_of_stock: bool | None = None
    weight_grams: int | None = Field(None, ge=0, le=100_000_000)


class VariantsIn(Schema):
    options: list[OptionValuesIn] = Field(default_factory=list, max_length=3)
    variants: list[GridVariantIn] = Field(min_length=1, max_length=100)


class StockAdjustmentIn(Schema):
    variant_id: Id | None = Field(None, description="The variant, by id…")
    sku: str | None = Field(None, max_length=64, description="…or by SKU.")
    delta: int | None = Field(None, ge=-1_000_000_000, le=1_000_000_000, description="Add (or, negative, remove)…")
    set_to: int | None = Field(None, ge=-1_000_000_000, le=1_000_000_000, description="…or set the count.")
    reason: AdjustmentReason
    note: str = Field("", max_length=255)

    @model_validator(mode="after")
    def _one_of_each(self) -> "StockAdjustmentIn":
        if (self.variant_id is None) == (self.sku is None):
            raise PydanticCustomError("variant", gettext("Give either variant_id or sku."))
        if (self.delta is None) == (self.set_to is None):
            raise PydanticCustomError("quantity", gettext("Give either delta or set_to."))
        return self


class ImagePatch(Schema):
    alt_text: str | None = Field(None, max_length=255)
    position: int | None = Field(None, ge=0, le=10_000)


class CollectionIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(None, max_length=200)
    description: str = Field("", max_length=100_000)
    kind: Literal["manual", "rule"] = "manual"
    rule_tag: str | None = Field(None, max_length=64)
    rule_min_price: Money | None = None
    rule_max_price: Money | None = None
    seo_title: str = Field("", max_length=70)
    seo_description: str = Field("", max_length=320)
    product_ids: list[Id] = Field(default_factory=list, max_length=1000, description="Manual collections, in order.")


class CollectionPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    slug: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=100_000)
    kind: Literal["manual", "rule"] | None = None
    rule_tag: str | None = Field(None, max_length=64)
    rule_min_price: Money | None = None
    rule_max_price: Money | None = None
    seo_title: str | None = Field(None, max_length=70)
    seo_description: str | None = Field(None, max_length=320)
    product_ids: list[Id] | None = Field(None, max_length=1000)
