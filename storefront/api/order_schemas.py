"""Request and response shapes of the order and checkout API; money goes out as strings in the order's currency."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import field_validator, model_validator
from pydantic_core import PydanticCustomError

from platform.kit.money import format_amount
from storefront.cart.models import MAX_QUANTITY
from storefront.orders.models import PAID_STATUSES, Order, OrderEvent, OrderLine, Refund, Shipment, ShipmentLine

from .schemas import Id, Money, UtcDatetime

if TYPE_CHECKING:
    OrderStatus = str
else:  # built from the model's choices, which a type checker can't read: the API schema lists them as an enum
    OrderStatus = Literal[tuple(Order.Status.values)]


def _amount(order: Order, value: Decimal) -> str:
    return format_amount(value, currency=order.currency)


# --- Responses shared by the seller and the buyer ---------------------------------------------------------


class TotalsOut(Schema):
    currency: str
    subtotal: str
    discount: str
    shipping: str
    tax: str = Field(description="Added to the total, or (tax_included) the part of the prices that is tax.")
    total: str
    tax_included: bool


class AddressOut(Schema):
    name: str
    line1: str
    line2: str
    city: str
    region: str = Field(description="State, province or territory code where the country has them, else empty.")
    district: str = Field("", description="District or county of a CN address, else empty.")
    phone: str = Field("", description="The recipient's mobile number for a CN address, else empty.")
    postal_code: str
    country: str = Field(description="ISO 3166-1 alpha-2 code.")


class PublicShipmentLineOut(Schema):
    sku: str
    title: str
    quantity: int

    @staticmethod
    def resolve_sku(obj: ShipmentLine) -> str:
        return obj.order_line.sku

    @staticmethod
    def resolve_title(obj: ShipmentLine) -> str:
        return obj.order_line.title


class ShipmentOut(Schema):
    carrier: str
    tracking_number: str
    tracking_url: str = Field(description="The carrier's tracking page for the number, or the seller's; may be empty.")
    shipped_at: datetime | None
    delivered_at: datetime | None = Field(description="When the seller marked it delivered; null until then.")
    lines: Sequence[PublicShipmentLineOut] = Field(description="What this parcel holds.")

    @staticmethod
    def resolve_tracking_url(obj: Shipment) -> str:
        return obj.tracking_link

    @staticmethod
    def resolve_shipped_at(obj: Shipment) -> datetime:
        return obj.created_at

    @staticmethod
    def resolve_lines(obj: Shipment) -> list[ShipmentLine]:
        return list(obj.lines.all())


class PublicOrderLineOut(Schema):
    sku: str
    title: str
    quantity: int
    unit_price: str = Field(description="What each unit cost, after automatic promotions.")
    line_total: str
    promotion: str = Field(
        "", description="The automatic promotions that priced this line (names joined by ' + '), or ''."
    )
    promotion_discount: str = Field(description="What those promotions took off the whole line.")

    @staticmethod
    def resolve_promotion(obj: OrderLine) -> str:
        return obj.promotion_name

    @staticmethod
    def resolve_promotion_discount(obj: OrderLine) -> str:
        return _amount(obj.order, obj.promotion_discount)

    @staticmethod
    def resolve_unit_price(obj: OrderLine) -> str:
        return _amount(obj.order, obj.unit_price)

    @staticmethod
    def resolve_line_total(obj: OrderLine) -> str:
        return _amount(obj.order, obj.line_total)


class PublicOrderEventOut(Schema):
    kind: str
    label: str
    created_at: datetime

    @staticmethod
    def resolve_label(obj: OrderEvent) -> str:
        return obj.get_kind_display()


class PublicOrderOut(Schema):
    """What the buyer's secret link shows: no email, no payment references, no ids but the order number."""

    number: int
    status: OrderStatus
    status_label: str
    totals: TotalsOut
    refunded_total: str
    discount_code: str
    shipping_method: str
    shipping_promotion: str = Field(description="The free-shipping promotion that made shipping 0, or ''.")
    shipping_address: AddressOut
    # Sequences: the seller's OrderOut narrows each to its own, fuller item schema.
    shipments: Sequence[ShipmentOut] = Field(description="Empty until the seller sends (part of) the order.")
    lines: Sequence[PublicOrderLineOut]
    events: Sequence[PublicOrderEventOut] = Field(description="The order's timeline, oldest first.")
    created_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None
    cancelled_at: datetime | None

    @staticmethod
    def resolve_number(obj: Order) -> int:
        return obj.pk

    @staticmethod
    def resolve_status_label(obj: Order) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_totals(obj: Order) -> dict:
        return {
            "currency": obj.currency,
            "subtotal": _amount(obj, obj.subtotal),
            "discount": _amount(obj, obj.discount_total),
            "shipping": _amount(obj, obj.shipping_total),
            "tax": _amount(obj, obj.tax_total),
            "total": _amount(obj, obj.total),
            "tax_included": obj.prices_include_tax,
        }

    @staticmethod
    def resolve_refunded_total(obj: Order) -> str:
        return _amount(obj, obj.refunded_total)

    @staticmethod
    def resolve_shipping_address(obj: Order) -> dict:
        return {
            "name": obj.ship_name,
            "line1": obj.ship_line1,
            "line2": obj.ship_line2,
            "city": obj.ship_city,
            "region": obj.ship_region,
            "district": obj.ship_district,
            "phone": obj.ship_phone,
            "postal_code": obj.ship_postal_code,
            "country": obj.ship_country,
        }

    @staticmethod
    def resolve_shipments(obj: Order) -> list[Shipment]:
        return list(obj.shipments.all())

    @staticmethod
    def resolve_lines(obj: Order) -> list[OrderLine]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_events(obj: Order) -> list[OrderEvent]:
        return list(obj.events.all())


# --- Seller responses -------------------------------------------------------------------------------------


class OrderLineOut(PublicOrderLineOut):
    id: int = Field(description="The line's id, as a shipment's lines name it.")
    variant_id: int | None = Field(description="null once the variant was deleted; sku and title stay.")
    reserved_quantity: int = Field(description="Units this line took from tracked stock (0 when untracked).")
    shipped_quantity: int = Field(description="Units of this line sent so far, in every shipment.")

    @staticmethod
    def resolve_shipped_quantity(obj: OrderLine) -> int:
        return sum(item.quantity for item in obj.shipment_lines.all())


class ShipmentLineOut(PublicShipmentLineOut):
    line_id: int

    @staticmethod
    def resolve_line_id(obj: ShipmentLine) -> int:
        return obj.order_line_id


class SellerShipmentOut(ShipmentOut):
    id: int
    shipped_by: str
    delivered_by: str
    lines: list[ShipmentLineOut]


class OrderEventOut(PublicOrderEventOut):
    message: str = Field(description="What the event adds, in the request's language like the label.")

    @staticmethod
    def resolve_message(obj: OrderEvent) -> str:
        return obj.text


class RefundOut(Schema):
    id: int
    order_number: int
    amount: str
    restocked: bool
    actor: str
    stripe_refund_id: str
    created_at: datetime

    @staticmethod
    def resolve_order_number(obj: Refund) -> int:
        return obj.order_id

    @staticmethod
    def resolve_amount(obj: Refund) -> str:
        return _amount(obj.order, obj.amount)


class OrderSummaryOut(Schema):
    number: int
    status: OrderStatus
    email: str
    currency: str
    total: str
    refunded_total: str
    created_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None

    @staticmethod
    def resolve_number(obj: Order) -> int:
        return obj.pk

    @staticmethod
    def resolve_total(obj: Order) -> str:
        return _amount(obj, obj.total)

    @staticmethod
    def resolve_refunded_total(obj: Order) -> str:
        return _amount(obj, obj.refunded_total)


class OrderOut(PublicOrderOut):
    """One order as its seller sees it."""

    email: str
    stock_state: str = Field(description="reserved (awaiting payment), committed (paid) or released (cancelled).")
    reserved_until: datetime = Field(description="When an unpaid order gives its stock back.")
    refundable: str = Field(description="What is left to refund (0 unless paid; cancelled orders were refunded).")
    payment_intent: str = Field(description="The Stripe PaymentIntent id, once paid.")
    lines: list[OrderLineOut]
    shipments: list[SellerShipmentOut]
    events: list[OrderEventOut]
    refunds: list[RefundOut]

    @staticmethod
    def resolve_refundable(obj: Order) -> str:
        if obj.status not in PAID_STATUSES:
            return _amount(obj, Decimal(0))
        return _amount(obj, obj.total - obj.refunded_total)

    @staticmethod
    def resolve_payment_intent(obj: Order) -> str:
        return obj.stripe_payment_intent

    @staticmethod
    def resolve_refunds(obj: Order) -> list[Refund]:
        return list(obj.refunds.all())


# --- Seller requests --------------------------------------------------------------------------------------


class OrderFilters(Schema):
    status: OrderStatus | None = None
    created_after: UtcDatetime | None = Field(None, description="Orders placed at or after this time (ISO 8601).")
    created_before: UtcDatetime | None = Field(None, description="Orders placed before this time (ISO 8601).")
    email: str = Field("", max_length=254, description="The buyer's email address, any case.")


class ShipmentLineIn(Schema):
    line_id: Id = Field(description="An order line's id (the order's lines[].id).")
    quantity: int = Field(ge=1, le=1_000_000)


class FulfilIn(Schema):
    carrier: str = Field(min_length=1, max_length=100)
    tracking_number: str = Field(min_length=1, max_length=100)
    tracking_url: str = Field(
        "", max_length=500, description="Your own http(s) tracking page, for a carrier Mercato has no link for."
    )
    lines: list[ShipmentLineIn] | None = Field(
        None, min_length=1, max_length=500, description="What this parcel holds; leave out to send every unit left."
    )

    @model_validator(mode="after")
    def check_lines_once(self) -> "FulfilIn":
        ids = [line.line_id for line in self.lines or []]
        if len(ids) != len(set(ids)):
            raise PydanticCustomError("lines", gettext("Name each line once."))
        return self


class RefundIn(Schema):
    amount: Money | None = Field(None, description="Leave out (or null) to refund all that is left.")
    restock: bool = Field(False, description="Put every unit of the order back in stock (once per order).")


# --- Checkout requests ------------------------------------------------------------------------------------


class CheckoutLineIn(Schema):
    sku: str | None = Field(None, min_length=1, max_length=64, description="The variant, by SKU…")
    variant_id: Id | None = Field(None, description="…or by id.")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)

    @model_validator(mode="after")
    def check_one_variant(self) -> "CheckoutLineIn":
        if (self.sku is None) == (self.variant_id is None):
            raise PydanticCustomError("variant", gettext("Give either sku or variant_id."))
        return self


def _country_code(value: str) -> str:
    value = value.strip().upper()
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise PydanticCustomError("country", gettext("Give the country as a two-letter ISO code, e.g. US."))
    return value


class AddressIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field(
        "",
        max_length=100,
        description="State, province or territory, as its code or name (e.g. OR or Oregon; GD, Guangdong or 广东省): "
        "required for US, CA, AU and CN addresses, ignored for other countries.",
    )
    district: str = Field(
        "", max_length=100, description="District or county (e.g. 天河区): required for CN addresses, else ignored."
    )
    phone: str = Field(
        "",
        max_length=20,
        description="The recipient's mobile number, 11 digits starting with 1 (a +86 prefix is allowed): required "
        "for CN addresses, else ignored.",
    )
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. US.")

    @field_validator("country")
    @classmethod
    def check_country(cls, value: str) -> str:
        return _country_code(value)


class CheckoutIn(Schema):
    lines: list[CheckoutLineIn] = Field(min_length=1, max_length=100)
    email: str = Field(min_length=1, max_length=254)
    shipping_address: AddressIn
    shipping_method_id: Id = Field(description="One of the shipping_methods a quote for the address offers.")
    discount_code: str = Field("", max_length=40)
    expected_total: Money | None = Field(
        None, description="The total the buyer was shown; when it no longer matches, nothing is ordered (422)."
    )


class QuoteIn(Schema):
    lines: list[CheckoutLineIn] = Field(min_length=1, max_length=100)
    country: str | None = Field(None, description="Where it ships (ISO code); leave out for merchandise only.")
    postal_code: str | None = Field(None, max_length=20)
    shipping_method_id: Id | None = None
    discount_code: str = Field("", max_length=40)
    email: str = Field("", max_length=254, description="For codes usable once per email address.")

    @field_validator("country")
    @classmethod
    def check_country(cls, value: str | None) -> str | None:
        return None if value is None else _country_code(value)


# --- Checkout responses -----------------------------------------------------------------------------------


class QuoteLineOut(Schema):
    sku: str
    title: str
    quantity: int
    unit_price: str = Field(description="After automatic promotions.")
    line_total: str
    promotion: str = Field(description="The automatic promotions that priced this line, or ''.")
    promotion_discount: str = Field(description="What those promotions take off the whole line.")


class ShippingMethodOut(Schema):
    id: int
    name: str
    price: str


class QuoteOut(Schema):
    lines: list[QuoteLineOut]
    totals: TotalsOut
    shipping_methods: list[ShippingMethodOut] = Field(description="What ships this order to the country given.")
    shipping_method_id: int | None = Field(description="The method the totals include, if any.")
    discount_code: str = Field(description="The code the totals include (empty when none).")


class CheckoutOut(Schema):
    order_number: int
    order_token: str = Field(description="The buyer's secret for GET /api/orders/{token}; keep it private.")
    status: OrderStatus
    payment_url: str | None = Field(description="Stripe's payment page; null when the order is no longer unpaid.")
    totals: TotalsOut
