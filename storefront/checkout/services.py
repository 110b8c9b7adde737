"""Checkout: quoting a cart (shipping, discount, tax) and placing the order, reserving its stock, in one step."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.connect import checkout_refusal
from platform.kit.money import currency_decimals, format_amount
from storefront import pricing
from storefront.cart.models import Cart, CartLine
from storefront.orders.events import record_event
from storefront.orders.models import Order, OrderEvent, OrderLine
from storefront.orders.services import OutOfStock, reserve_line_stock
from storefront.orders.timeline import note
from storefront.page_cache import invalidate_store_pages
from storefront.promotions.selectors import cart_promotions
from storefront.promotions.services import CapReached, claim_capped_units
from storefront.themes.selectors import store_currency
from tenants.connection import connection

from . import selectors
from .models import DiscountCode, DiscountRedemption, ShippingRate, ShippingZone
from .regions import normalise_chinese_mobile, normalise_region

RESERVATION_MINUTES = 30

# Postal codes of the countries most stores ship to; other countries need a non-empty code of sane length.
POSTAL_CODE_PATTERNS = {
    "US": re.compile(r"^\d{5}(-\d{4})?$"),
    "CA": re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPR-TV-Z] ?\d[ABCEGHJ-NPR-TV-Z]\d$", re.IGNORECASE),
    "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.IGNORECASE),
    "DE": re.compile(r"^\d{5}$"),
    "CN": re.compile(r"^\d{6}$"),
}


class CheckoutError(ValidationError):
    """Why the order cannot be placed, keyed by form field where there is one; for the buyer to read."""


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    # State, province or territory, for the countries whose addresses have one (regions.REGIONS).
    region: str = ""
    # Asked for Chinese addresses only (county-level district, and the mobile number couriers there text).
    district: str = ""
    phone: str = ""


@dataclass
class Quote:
    lines: list[CartLine]
    totals: pricing.Totals
    zone: ShippingZone | None
    rates: list[ShippingRate]
    rate: ShippingRate | None
    discount: DiscountCode | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Each line's price after automatic promotions, by variant id (docs/promotions.md).
    promoted: dict[int, pricing.PromotedPrice] = field(default_factory=dict)
    # What buy-X-get-Y promotions took off lines, by variant id.
    bundles: dict[int, pricing.LineBundle] = field(default_factory=dict)
    # The free-shipping promotion the order's subtotal reaches (its shipping is then free), or None.
    shipping_promotion: pricing.ShippingRule | None = None
    # The lowest free-shipping threshold not reached yet, to tell the buyer how far they are from it.
    next_free_shipping: pricing.ShippingRule | None = None

    def line_label(self, variant_id: int) -> str:
        """Every promotion that priced this line, as the cart, checkout and the order line name them."""
        names = [item.name for item in self.promoted[variant_id].applied]
        bundle = self.bundles.get(variant_id)
        return " + ".join(names + list(bundle.names if bundle else ()))

    def line_promotion_discount(self, variant_id: int, quantity: int) -> Decimal:
        """What promotions took off the whole line: unit-price promotions times quantity, and buy X get Y."""
        bundle = self.bundles.get(variant_id)
        return self.promoted[variant_id].unit_discount * quantity + (bundle.discount if bundle else Decimal(0))


def validate_postal_code(country: str, postal_code: str) -> str:
    """The postal code, normalised (upper case, trimmed); ValidationError when it cannot be one of ``country``."""
    code = " ".join(postal_code.split()).upper()
    pattern = POSTAL_CODE_PATTERNS.get(country.upper())
    if not code or len(code) > 12 or (pattern is not None and not pattern.match(code)):
        raise ValidationError(_("Enter a valid postal code for this country."), code="postal_code")
    return code


def discount_problem(discount: DiscountCode, *, subtotal: Decimal, email: str, now: datetime) -> str | None:
    """Why ``discount`` cannot be used by ``email`` on ``subtotal`` now, or None when it can."""
    if not discount.is_active:
        return _("This discount code is not valid.")
    if discount.starts_at and now < discount.starts_at:
        return _("This discount code is not valid yet.")
    if discount.ends_at and now >= discount.ends_at:
        return _("This discount code has expired.")
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return _("This discount code has been used up.")
    if discount.min_subtotal is not None and subtotal < discount.min_subtotal:
        return _("This discount code needs a subtotal of at least %(amount)s.") % {
            "amount": format_amount(discount.min_subtotal, currency=store_currency())
        }
    if (
        discount.once_per_email
        and email
        and DiscountRedemption.objects.filter(discount=discount, email__iexact=email).exists()
    ):
        return _("This discount code was already used with this email address.")
    return None


def _rate_spec(rate: ShippingRate) -> pricing.Rate:
    return pricing.Rate(
        kind=rate.kind,
        price=rate.price,
        min_weight_grams=rate.min_weight_grams,
        max_weight_grams=rate.max_weight_grams,
        min_subtotal=rate.min_subtotal,
    )


def quote(
    *,
    cart: Cart | None,
    currency: str,
    prices_include_tax: bool,
    country: str = "",
    rate_id: int | None = None,
    discount_code: str = "",
    email: str = "",
    now: datetime | None = None,
) -> Quote:
    """Price a cart for a destination, shipping rate and discount code; problems go in ``errors`` by field."""
    now = now or timezone.now()
    places = currency_decimals(currency)
    lines = list(CartLine.objects.filter(cart=cart).select_related("variant__product")) if cart else []
    # Automatic promotions set each line's unit price, then buy X get Y takes its units off the lines; free shipping
    # is judged on the subtotal they leave, and a discount code then applies to it (docs/promotions.md).
    promotions = cart_promotions(
        ((line.variant_id, line.variant.product_id, line.variant.price, line.quantity) for line in lines),
        now=now,
        currency=currency,
    )
    promoted, bundles = promotions.prices, promotions.bundles
    specs = [
        pricing.Line(
            promoted[line.variant_id].unit_price,
            line.quantity,
            line.variant.weight_grams,
            bundles[line.variant_id].discount if line.variant_id in bundles else Decimal(0),
        )
        for line in lines
    ]
    errors: dict[str, list[str]] = {}

    discount = selectors.discount_by_code(discount_code) if discount_code.strip() else None
    plain = pricing.compute_totals(
        lines=specs, places=places, rate=None, discount=None, tax_rate=Decimal(0), prices_include_tax=False
    )
    if discount_code.strip():
        problem = (
            _("This discount code is not valid.")
            if discount is None
            else discount_problem(discount, subtotal=plain.subtotal, email=email, now=now)
        )
        if problem:
            errors["discount_code"] = [problem]
            discount = None
    discount_spec = pricing.Discount(discount.kind, discount.value) if discount else None
    shipping_promotion = (
        pricing.free_shipping_rule(promotions.free_shipping, subtotal=plain.subtotal) if lines else None
    )
    next_free_shipping = next((rule for rule in promotions.free_shipping if rule.min_subtotal > plain.subtotal), None)
    discounted = plain.subtotal - pricing.discount_amount(plain.subtotal, discount_spec, places=places)

    zone = selectors.zone_for(country) if country else None
    if country and zone is None:
        errors["country"] = [_("This store does not ship to that country.")]
    weight = pricing.total_weight(specs)
    rates = [
        rate
        for rate in selectors.rates_for(zone)
        if pricing.rate_applies(_rate_spec(rate), weight_grams=weight, discounted_subtotal=discounted)
    ]
    rate = next((item for item in rates if item.pk == rate_id), None)
    if rate_id is None and len(rates) == 1:
        # The only way to ship this order needs no choosing: the buyer sees it chosen, and the total with it.
        rate = rates[0]
    if rate_id is not None and rate is None and zone is not None:
        errors["shipping_rate"] = [_("That shipping method is not available for this order.")]
    totals = pricing.compute_totals(
        lines=specs,
        places=places,
        rate=_rate_spec(rate) if rate else None,
        discount=discount_spec,
        tax_rate=zone.tax_rate if zone else Decimal(0),
        prices_include_tax=prices_include_tax,
        free_shipping=shipping_promotion is not None,
    )
    return Quote(
        lines=lines,
        totals=totals,
        zone=zone,
        rates=rates,
        rate=rate,
        discount=discount,
        errors=errors,
        promoted=promoted,
        bundles=bundles,
        shipping_promotion=shipping_promotion,
        next_free_shipping=None if shipping_promotion else next_free_shipping,
    )


def _redeem(discount: DiscountCode, *, order: Order, subtotal: Decimal, now: datetime) -> None:
    # The code's row lock serialises every order using it, so the usage limit and "once per email" hold.
    locked = DiscountCode.objects.select_for_update().get(pk=discount.pk)
    problem = discount_problem(locked, subtotal=subtotal, email=order.email, now=now)
    if problem:
        raise CheckoutError({"discount_code": [problem]})
    DiscountCode.objects.filter(pk=locked.pk).update(times_used=F("times_used") + 1)
    DiscountRedemption.objects.create(discount=locked, email=order.email.lower(), order=order)


def resume_order(*, checkout_key: str) -> Order | None:
    """The order ``checkout_key`` already made, or None when it made none.

    Raises CheckoutError when that order's payment has yet to start and the store can't take payments now.
    """
    existing = Order.objects.filter(checkout_key=checkout_key).first()
    if existing is None or existing.stripe_session_id or existing.status != Order.Status.PENDING_PAYMENT:
        return existing
    refusal = checkout_refusal(schema_name=connection.schema_name)
    if refusal:  # a live store with no Stripe account able to take charges: nobody could pay (billing/connect.py)
        raise CheckoutError({"__all__": [refusal]})
    return existing


@dataclass(frozen=True)
class Placement:
    order: Order
    # False when the order is one this checkout_key had made already: a retry, or a concurrent twin that won.
    created: bool


def place_order(
    *,
    cart: Cart,
    checkout_key: str,
    email: str,
    address: Address,
    rate_id: int | None,
    discount_code: str,
    currency: str,
    prices_include_tax: bool,
    site_url: str,
    expected_total: Decimal | None = None,
    sponsored_campaign_id: int | None = None,
) -> Order:
    """Create the order for ``cart`` and reserve its stock, or return the order this ``checkout_key`` made.

    Raises CheckoutError (nothing is written) when the details are wrong, the total changed since the buyer saw
    it, or an item sold out; the last unit goes to exactly one of two racing buyers.
    """
    return place_order_once(
        cart=cart,
        checkout_key=checkout_key,
        email=email,
        address=address,
        rate_id=rate_id,
        discount_code=discount_code,
        currency=currency,
        prices_include_tax=prices_include_tax,
        site_url=site_url,
        expected_total=expected_total,
        sponsored_campaign_id=sponsored_campaign_id,
    ).order


def place_order_once(
    *,
    cart: Cart,
    checkout_key: str,
    email: str,
    address: Address,
    rate_id: int | None,
    discount_code: str,
    currency: str,
    prices_include_tax: bool,
    site_url: str,
    expected_total: Decimal | None = None,
    sponsored_campaign_id: int | None = None,
) -> Placement:
    """place_order, telling too whether this call made the order (see Placement.created)."""
    existing = resume_order(checkout_key=checkout_key)
    if existing is not None:
        return Placement(order=existing, created=False)
    refusal = checkout_refusal(schema_name=connection.schema_name)
    if refusal:
        raise CheckoutError({"__all__": [refusal]})
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    for name in ("name", "line1", "city", "country"):
        if not getattr(address, name).strip():
            errors[name] = [_("This field is required.")]
    postal_code = address.postal_code
    try:
        postal_code = validate_postal_code(address.country, address.postal_code)
    except ValidationError as error:
        errors["postal_code"] = error.messages
    region = ""
    try:
        region = normalise_region(address.country, address.region)
    except ValidationError as error:
        errors["region"] = error.messages
    district, phone = "", ""
    if address.country.upper() == "CN":
        district = address.district.strip()
        if not district:
            errors["district"] = ["Enter the district or county of the address."]
        try:
            phone = normalise_chinese_mobile(address.phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    now = timezone.now()
    email = email.strip().lower()
    offer = quote(
        cart=cart,
        currency=currency,
        prices_include_tax=prices_include_tax,
        country=address.country.upper(),
        rate_id=rate_id,
        discount_code=discount_code,
        email=email,
        now=now,
    )
    errors.update(offer.errors)
    if not offer.lines:
        errors["__all__"] = [_("Your cart is empty.")]
    elif offer.rate is None and "shipping_rate" not in errors and "country" not in errors:
        errors["shipping_rate"] = [_("Choose a shipping method.")]
    if errors or offer.rate is None:  # a missing rate always comes with an error above
        raise CheckoutError(errors)
    totals = offer.totals
    if expected_total is not None and totals.total != expected_total:
        raise CheckoutError(
            {
                "__all__": [
                    _("The total is now %(total)s; check it and pay again.")
                    % {"total": format_amount(totals.total, currency=currency)}
                ]
            }
        )
    if totals.total <= 0:
        # Stripe can't charge nothing, and an order nobody pays for would never leave "awaiting payment".
        raise CheckoutError(
            {
                "__all__": [
                    _(
                        "This order's total is %(total)s: there is nothing to pay, so it can't be placed. Remove the "
                        "discount code or add an item to your cart."
                    )
                    % {"total": format_amount(totals.total, currency=currency)}
                ]
            }
        )
    try:
        with transaction.atomic():
            order = Order.objects.create(
                token=secrets.token_urlsafe(32),
                checkout_key=checkout_key,
                email=email,
                site_url=site_url,
                cart=cart,
                currency=currency,
                ship_name=address.name.strip(),
                ship_line1=address.line1.strip(),
                ship_line2=address.line2.strip(),
                ship_city=address.city.strip(),
                ship_region=region,
                ship_district=district,
                ship_phone=phone,
                ship_postal_code=postal_code,
                ship_country=address.country.upper(),
                shipping_method=offer.rate.name,
                shipping_promotion=offer.shipping_promotion.name[:100] if offer.shipping_promotion else "",
                discount_code=offer.discount.code if offer.discount else "",
                sponsored_campaign_id=sponsored_campaign_id,
                prices_include_tax=prices_include_tax,
                subtotal=totals.subtotal,
                discount_total=totals.discount,
                shipping_total=totals.shipping,
                tax_total=totals.tax,
                total=totals.total,
                reserved_until=now + timedelta(minutes=RESERVATION_MINUTES),
            )
            # Fixed order (variant id) so concurrent checkouts lock rows in the same sequence.
            for line, line_total in sorted(
                zip(offer.lines, totals.line_totals, strict=True), key=lambda p: p[0].variant_id
            ):
                variant = line.variant
                price = offer.promoted[variant.pk]
                reserved = reserve_line_stock(variant=variant, quantity=line.quantity, order=order)
                OrderLine.objects.create(
                    order=order,
                    variant=variant,
                    sku=variant.sku,
                    title=f"{variant.product.title} ({variant.title})"
                    if variant.option_values
                    else variant.product.title,
                    unit_price=price.unit_price,
                    quantity=line.quantity,
                    line_total=line_total,
                    promotion_name=offer.line_label(variant.pk)[:300],
                    promotion_discount=offer.line_promotion_discount(variant.pk, line.quantity),
                    reserved_quantity=reserved,
                )
            claims: dict[int, int] = {}
            for line in offer.lines:
                for applied in offer.promoted[line.variant_id].applied:
                    if applied.capped_promotion_id is not None:
                        claims[applied.capped_promotion_id] = claims.get(applied.capped_promotion_id, 0) + line.quantity
            try:
                claim_capped_units(order=order, claims=claims)
            except CapReached as error:
                raise CheckoutError(
                    {
                        "__all__": [
                            _("“%(name)s” has sold out at its sale price; check the new total and pay again.")
                            % {"name": error.name}
                        ]
                    }
                ) from error
            if offer.discount is not None:
                _redeem(offer.discount, order=order, subtotal=totals.subtotal, now=now)
            record_event(
                order=order,
                kind=OrderEvent.Kind.PLACED,
                notes=[note("stock_held_until", time=f"{order.reserved_until:%H:%M}")],
            )
    except IntegrityError:
        # The same form sent twice at once: the other request's order won the unique checkout_key.
        existing = Order.objects.filter(checkout_key=checkout_key).first()
        if existing is None:
            raise
        return Placement(order=existing, created=False)
    except OutOfStock as error:
        raise CheckoutError({"__all__": error.messages}) from error
    invalidate_store_pages()
    return Placement(order=order, created=True)


def release_discount_use(order: Order) -> None:
    """Give back the discount code use an unpaid order held, when its reservation is released."""
    redemption = DiscountRedemption.objects.filter(order=order).first()
    if redemption is not None:
        DiscountCode.objects.filter(pk=redemption.discount_id).update(times_used=F("times_used") - 1)
        redemption.delete()
