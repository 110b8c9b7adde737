"""Request and response shapes of the store API; money goes out as strings in the store's currency."""

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, gettext_lazy
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator
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
from storefront.catalog.selectors import translation_of, translations_by_language
from storefront.pricing import PromotedPrice
from storefront.promotions.selectors import describe_offer, offers_now, price_now
from storefront.themes.selectors import store_currency

from .languages import default_language

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


# The text of a product or collection as a public read shows it: its translation into the language asked for
# (``selectors.with_texts(language=)``), else its own. The SEO texts are written once, in the default language: a
# translated item's give way to the translated title and description, as on the store's pages.
def _shown(obj: Product | Collection, name: str) -> str:
    text = translation_of(obj)
    if text is None:
        return getattr(obj, name)
    return text[name] if name in ("title", "description") else ""


def _shown_language(obj: Product | Collection) -> str:
    text = translation_of(obj)
    return text["language"] if text else default_language()


LANGUAGE_FIELD = Field(description="The language title and description are in: the one asked for when the item is "
                       "translated into it, else the store's default language.")  # fmt: skip
TRANSLATIONS_FIELD = Field(description="The title and description in each of the store's extra languages, by "
                           "language code; the item's own fields are in its default language.")  # fmt: skip


class TranslationOut(Schema):
    title: str
    description: str = Field(description="Sanitised HTML.")


def _translations(obj: Product | Collection) -> dict[str, TranslationOut]:
    return {
        language: TranslationOut(title=row["title"], description=row["description"])
        for language, row in translations_by_language(obj).items()
    }


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


class OfferOut(Schema):
    name: str = Field(description="The promotion's name.")
    kind: Literal["buy_x_get_y", "percentage", "fixed", "free_shipping"] = Field(
        description="buy_x_get_y; percentage or fixed for a quantity tier; free_shipping over an order amount."
    )
    text: str = Field(description='What the storefront says, e.g. "Buy 2, get 1 free", "3 or more: 10% off each".')
    buy_quantity: int | None = Field(description="buy_x_get_y: of every buy + get units, get are discounted.")
    get_quantity: int | None
    min_quantity: int = Field(description="A quantity tier: lines of at least this many units get it.")
    min_subtotal: str | None = Field(description="free_shipping: the order amount after promotions from which.")


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
    language: str = LANGUAGE_FIELD
    price: str = Field(description="The lowest variant price, as listings show it.")
    current_price: str = Field(description="What one unit costs now: price after the running promotions.")
    promotion: PromotionOut | None = Field(description="The running promotions in current_price; null for none.")
    offers: list[OfferOut] = Field(
        description="Running promotions the product is in that change no unit price: buy X get Y, quantity "
        "tiers, free shipping over an amount. The cart and checkout apply them."
    )
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
    def resolve_title(obj: Product) -> str:
        return _shown(obj, "title")

    @staticmethod
    def resolve_description(obj: Product) -> str:
        return _shown(obj, "description")

    @staticmethod
    def resolve_seo_title(obj: Product) -> str:
        return _shown(obj, "seo_title")

    @staticmethod
    def resolve_seo_description(obj: Product) -> str:
        return _shown(obj, "seo_description")

    @staticmethod
    def resolve_language(obj: Product) -> str:
        return _shown_language(obj)

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
    def resolve_offers(obj: Product) -> list[OfferOut]:
        currency = store_currency()
        return [
            OfferOut(
                name=offer.name,
                kind=offer.kind,  # type: ignore[arg-type]  # one of the literal's values, read from the model
                text=describe_offer(offer, currency),
                buy_quantity=offer.buy or None,
                get_quantity=offer.get or None,
                min_quantity=offer.min_quantity,
                min_subtotal=_amount(offer.min_subtotal),
            )
            for offer in offers_now(obj.pk)
        ]

    @staticmethod
    def resolve_currency(obj: object) -> str:
        return store_currency()

    @staticmethod
    def resolve_tags(obj: Product) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class SellerProductOut(ProductOut):
    status: str
    variants: list[SellerVariantOut]
    translations: dict[str, TranslationOut] = TRANSLATIONS_FIELD

    @staticmethod
    def resolve_translations(obj: Product) -> dict[str, TranslationOut]:
        return _translations(obj)


class CollectionRuleOut(Schema):
    tag: str | None
    min_price: str | None
    max_price: str | None


class CollectionOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    language: str = LANGUAGE_FIELD
    kind: str
    rule: CollectionRuleOut | None
    seo_title: str
    seo_description: str

    @staticmethod
    def resolve_title(obj: Collection) -> str:
        return _shown(obj, "title")

    @staticmethod
    def resolve_description(obj: Collection) -> str:
        return _shown(obj, "description")

    @staticmethod
    def resolve_seo_title(obj: Collection) -> str:
        return _shown(obj, "seo_title")

    @staticmethod
    def resolve_seo_description(obj: Collection) -> str:
        return _shown(obj, "seo_description")

    @staticmethod
    def resolve_language(obj: Collection) -> str:
        return _shown_language(obj)

    @staticmethod
    def resolve_rule(obj: Collection) -> dict | None:
        if obj.kind != Collection.Kind.RULE:
            return None
        return {
            "tag": obj.rule_tag.name if obj.rule_tag else None,
            "min_price": _amount(obj.rule_min_price),
            "max_price": _amount(obj.rule_max_price),
        }


class SellerCollectionOut(CollectionOut):
    translations: dict[str, TranslationOut] = TRANSLATIONS_FIELD

    @staticmethod
    def resolve_translations(obj: Collection) -> dict[str, TranslationOut]:
        return _translations(obj)


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


class TranslationIn(BaseModel):
    # A plain pydantic model, not a ninja Schema: a Schema reads attributes off whatever it is given, so the string
    # "衬衫" passed for a translation became the title "衬衫" (str.title()). Unknown keys are refused: "titel" would
    # otherwise leave the title empty and so remove the translation.
    model_config = ConfigDict(extra="forbid")

    title: str = Field("", max_length=200, description="Required when a description is given.")
    description: str = Field("", max_length=100_000, description="HTML; sanitised when saved.")


# A language code of the store's extra languages ("zh-hans"); the service refuses one the store doesn't offer.
LanguageCode = Annotated[str, Field(min_length=1, max_length=16)]
TRANSLATIONS_IN_DESCRIPTION = (
    "Title and description per extra language of the store, by language code; languages not named are kept, and "
    "null (or an empty title and description) removes that language's. A language the store doesn't offer "
    "refuses the whole request (422), writing nothing."
)
TranslationsIn = Annotated[
    dict[LanguageCode, TranslationIn | None], Field(max_length=20, description=TRANSLATIONS_IN_DESCRIPTION)
]


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
    translations: TranslationsIn = Field(default_factory=dict)


class ProductPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    slug: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=100_000)
    status: ProductStatus | None = None
    tags: list[str] | None = Field(None, max_length=50)
    seo_title: str | None = Field(None, max_length=70)
    seo_description: str | None = Field(None, max_length=320)
    translations: TranslationsIn | None = None


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
    translations: TranslationsIn = Field(default_factory=dict)


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
    translations: TranslationsIn | None = None
