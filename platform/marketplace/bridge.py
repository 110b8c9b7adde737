"""The marketplace's one way into a store: that store's own services, run explicitly in that store's schema.

The rest of the marketplace takes the stores' checkout vocabulary (``Address``, ``CheckoutError``,
``minor_units``) from here too, so this module is its only import of ``storefront`` (an import contract).
Every function here takes the store, switches to its schema for the call and back, and hands back plain values
(ids, titles, amounts), never a model of the store's schema. Nothing else in the marketplace touches a store's
tables; a store's views are never called (docs/architecture.md, "Allowed dependencies").
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from platform.kit.hosts import site_url
from storefront.cart import selectors as cart_selectors
from storefront.cart import services as cart_services
from storefront.catalog.models import Product, ProductVariant
from storefront.checkout import limits as checkout_limits
from storefront.checkout import selectors as checkout_selectors
from storefront.checkout import services as checkout_services

# Re-exported (``as``): the rest of the marketplace names the stores' checkout vocabulary through this module.
from storefront.checkout.services import Address as Address
from storefront.checkout.services import CheckoutError as CheckoutError
from storefront.customers import marketplace as customer_marketplace
from storefront.customers import services as customer_services
from storefront.orders import services as order_services
from storefront.orders.events import record_event
from storefront.orders.models import Order, OrderEvent
from storefront.orders.timeline import note
from storefront.payouts import services as payout_services
from storefront.pricing import minor_units as minor_units
from storefront.themes.selectors import store_currency
from tenants.models import Store, StoreDomain
from tenants.pods.routing import database_of, store_context
from tenants.selectors import store_subdomain_host


@contextmanager
def in_store(store: Store) -> Iterator[None]:
    # Pod-aware: the store's schema on the server that holds it (docs/scaling.md, "Pods").
    with store_context(store):
        yield


def shares_the_platform_transaction(store: Store) -> bool:
    """True when the store's schema is on the platform database, so its writes roll back with the caller's
    transaction; a store on another pod commits on its own server and must be compensated."""
    return database_of(store) == "default"


def store_site_url(store: Store) -> str:
    """The store's own address (its primary host), for links to its pages."""
    host = StoreDomain.objects.filter(tenant_id=store.pk, is_primary=True).values_list(
        "domain", flat=True
    ).first() or store_subdomain_host(store.slug)
    return site_url(host).rstrip("/")


@dataclass(frozen=True)
class PartLine:
    line_id: int
    title: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class PartRate:
    rate_id: int
    name: str
    price: Decimal


@dataclass
class StorePart:
    """One store's lines in a marketplace cart, priced by that store's checkout (shipping, discount, tax)."""

    currency: str
    prices_include_tax: bool
    lines: list[PartLine]
    rates: list[PartRate]
    rate_id: int | None
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    errors: dict[str, list[str]] = field(default_factory=dict)


def add_line(
    *, store: Store, store_cart_token: str | None, product_id: int, variant_id: int | None, quantity: int
) -> str:
    """Add a product (a given variant, or the product's first) to the store's cart kept for this marketplace
    cart; returns that cart's token. The store's own cart service checks it is for sale and in stock."""
    with in_store(store):
        variants = ProductVariant.objects.filter(product_id=product_id, product__status=Product.Status.ACTIVE)
        if variant_id is not None:
            variants = variants.filter(pk=variant_id)
        variant = variants.order_by("position", "id").first()
        if variant is None:
            raise ValidationError(gettext("This product is not for sale."), code="not_for_sale")
        cart = cart_selectors.cart_by_token(store_cart_token)
        cart = cart_services.add_to_cart(cart=cart, variant_id=variant.pk, quantity=quantity)
        return cart.token


def merge_store_carts(*, store: Store, from_token: str, into_token: str) -> list[str]:
    """Add every line of the store's cart ``from_token`` to its cart ``into_token`` with the store's own cart
    service, then empty the first; returns the titles of the lines that could not be added (over the stock or the
    quantity limit once added up, or no longer for sale), which stay out of the merged cart."""
    left_out: list[str] = []
    with in_store(store):
        source = cart_selectors.cart_by_token(from_token)
        target = cart_selectors.cart_by_token(into_token)
        if source is None:
            return left_out
        for line in list(cart_selectors.cart_lines(source)):
            try:
                target = cart_services.add_to_cart(cart=target, variant_id=line.variant_id, quantity=line.quantity)
            except ValidationError:
                left_out.append(_title(line.variant))
        cart_services.empty_cart(cart=source)
    return left_out


def allow_new_order(*, store: Store, client_ip: str) -> bool:
    """Count one new order from ``client_ip`` against the store's own hourly limit (the rule its checkout applies,
    counted in the store's own bucket); False when that store takes no more new orders from it this hour."""
    with in_store(store):
        return checkout_limits.allow_new_order(client_ip=client_ip)


def product_title(*, store: Store, product_id: int, variant_id: int) -> str | None:
    """The title of a variant the store sells now (for the buyer to confirm an add), or None."""
    with in_store(store):
        variant = (
            ProductVariant.objects.select_related("product")
            .filter(pk=variant_id, product_id=product_id, product__status=Product.Status.ACTIVE)
            .first()
        )
        return _title(variant) if variant else None


def set_line_quantity(*, store: Store, store_cart_token: str, line_id: int, quantity: int) -> None:
    with in_store(store):
        cart = cart_selectors.cart_by_token(store_cart_token)
        if cart is None:
            raise ValidationError(gettext("That item is no longer in your cart."), code="not_found")
        cart_services.set_line_quantity(cart=cart, line_id=line_id, quantity=quantity)


def line_titles(*, store: Store, store_cart_token: str) -> list[str]:
    with in_store(store):
        cart = cart_selectors.cart_by_token(store_cart_token)
        return [_title(line.variant) for line in cart_selectors.cart_lines(cart)]


def _title(variant: ProductVariant) -> str:
    return f"{variant.product.title} ({variant.title})" if variant.option_values else variant.product.title


def quote_part(
    *, store: Store, store_cart_token: str, country: str, rate_id: int | None, discount_code: str, email: str = ""
) -> StorePart:
    """The store's lines priced by its own ``checkout.services.quote``: its shipping rates for ``country``, its
    discount code, its tax."""
    with in_store(store):
        currency = store_currency()
        prices_include_tax = checkout_selectors.checkout_settings().prices_include_tax
        cart = cart_selectors.cart_by_token(store_cart_token)
        offer = checkout_services.quote(
            cart=cart,
            currency=currency,
            prices_include_tax=prices_include_tax,
            country=country,
            rate_id=rate_id,
            discount_code=discount_code,
            email=email,
        )
        totals = offer.totals
        lines = [
            PartLine(
                line_id=line.pk,
                title=_title(line.variant),
                quantity=line.quantity,
                unit_price=offer.promoted[line.variant_id].unit_price,
                line_total=line_total,
            )
            for line, line_total in zip(offer.lines, totals.line_totals, strict=True)
        ]
        rates = [PartRate(rate_id=rate.pk, name=rate.name, price=rate.price) for rate in offer.rates]
        return StorePart(
            currency=currency,
            prices_include_tax=prices_include_tax,
            lines=lines,
            rates=rates,
            rate_id=offer.rate.pk if offer.rate else None,
            subtotal=totals.subtotal,
            discount=totals.discount,
            shipping=totals.shipping,
            tax=totals.tax,
            total=totals.total,
            errors=offer.errors,
        )


@dataclass(frozen=True)
class MarketplaceBuyer:
    """The marketplace account a cart belongs to, as a store's customer record needs it."""

    buyer_id: int
    email: str
    name: str


@dataclass(frozen=True)
class PlacedOrder:
    order_id: int
    token: str
    total: Decimal
    currency: str


def place_order(
    *,
    store: Store,
    store_cart_token: str,
    checkout_key: str,
    email: str,
    address: Address,
    rate_id: int | None,
    discount_code: str,
    expected_total: Decimal | None,
    buyer: MarketplaceBuyer | None = None,
) -> PlacedOrder:
    """Place the store's order for its part of the cart, reserving its stock, with the store's own checkout.

    Runs in the caller's transaction when the store is on the platform database: the marketplace places every
    store's order in one, so when one store can't (sold out, a wrong address for its zones), the whole transaction
    rolls back and no store keeps a reservation. A store on another pod commits on its own server; the caller
    releases that order when a later store refuses (``release_order``). Raises CheckoutError, for the buyer.

    With ``buyer`` (the cart's signed-in marketplace buyer), the order goes into the history of the store's
    customer record linked to that account (made now if the store has none), so the store's order-history feed
    lists it across stores as it lists an order placed on the store's own host.
    """
    with in_store(store):
        cart = cart_selectors.cart_by_token(store_cart_token)
        if cart is None:
            raise CheckoutError({"__all__": [gettext("Your cart is empty.")]})
        placement = checkout_services.place_order_once(
            cart=cart,
            checkout_key=checkout_key,
            email=email,
            address=address,
            rate_id=rate_id,
            discount_code=discount_code,
            currency=store_currency(),
            prices_include_tax=checkout_selectors.checkout_settings().prices_include_tax,
            site_url=store_site_url(store),
            expected_total=expected_total,
        )
        order = placement.order
        if buyer is not None and placement.created:
            customer = customer_marketplace.customer_for_marketplace_order(
                buyer_id=buyer.buyer_id, email=buyer.email, name=buyer.name
            )
            if customer is not None:
                customer_services.link_order(customer=customer, order=order)
        return PlacedOrder(order_id=order.pk, token=order.token, total=order.total, currency=order.currency)


CANCELLED = Order.Status.CANCELLED.value


def mark_order_paid(*, store: Store, order_id: int, payment_intent: str) -> str:
    """Mark the store's order paid with the store's own service; returns the order's status afterwards."""
    with in_store(store):
        order = Order.objects.get(pk=order_id)
        order_services.mark_order_paid(order=order, payment_intent=payment_intent)
        order.refresh_from_db(fields=["status"])
        return order.status


def release_order(*, store: Store, order_id: int, reason: str) -> bool:
    """Give the store's unpaid order's stock back with the store's own service. ``reason`` is a fixed English
    sentence marked with gettext_noop: the store's timeline shows it translated into its reader's language."""
    with in_store(store):
        order = Order.objects.get(pk=order_id)
        return order_services.release_reservation(order=order, reason=note("released_by_marketplace", reason=reason))


def note_unfilled_refund(
    *, store: Store, order_id: int, refunded: Decimal, currency: str, stripe_refund_id: str
) -> None:
    """Tell the store, on its order's timeline, that the platform refunded the buyer's payment for an order the
    store had released before the payment arrived (nothing was transferred for it; nothing is left to do)."""
    with in_store(store):
        order = Order.objects.get(pk=order_id)
        record_event(
            order=order,
            kind=OrderEvent.Kind.NOTE,
            notes=[
                note("marketplace_unfilled_refund", amount=str(refunded), currency=currency, refund=stripe_refund_id)
            ],
        )


def record_payout(
    *,
    store: Store,
    order_id: int,
    platform_fee: Decimal,
    fee_percent: Decimal,
    transferred: Decimal,
    stripe_transfer_id: str,
    transfer_group: str,
) -> None:
    """Tell the store what the platform transferred for its order (the seller's money view reads it)."""
    with in_store(store):
        order = Order.objects.get(pk=order_id)
        payout_services.record_payout(
            order=order,
            platform_fee=platform_fee,
            fee_percent=fee_percent,
            transferred=transferred,
            stripe_transfer_id=stripe_transfer_id,
            transfer_group=transfer_group,
        )
