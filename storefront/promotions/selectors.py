"""Reads of promotions, and the one place a product's promoted price is worked out (docs/promotions.md)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from platform.kit.money import currency_decimals, format_money
from platform.kit.request_memo import remember
from storefront import pricing
from storefront.catalog.models import Product
from storefront.catalog.selectors import collection_products
from storefront.themes.rendering import per_content_version
from storefront.themes.selectors import store_currency

from .models import Promotion


def promotions() -> QuerySet[Promotion]:
    return Promotion.objects.select_related("collection", "tag").prefetch_related("products")


def promotion(promotion_id: int) -> Promotion | None:
    return promotions().filter(pk=promotion_id).first()


def running_promotions(now: datetime | None = None) -> list[Promotion]:
    """The active promotions whose window holds ``now`` (start included, end excluded)."""
    now = now or timezone.now()
    return list(promotions().filter(is_active=True, starts_at__lte=now, ends_at__gt=now))


def _running_for_pages(now: datetime | None) -> list[Promotion]:
    """``running_promotions`` without a query on most pages: the active, unended promotions are read once per
    content version (saving or ending one moves it on) and filtered by the clock here, so a scheduled start or end
    still takes effect at its minute. A flash sale's sold units move with every order and no version, so capped
    promotions are read again fresh; only a page with one of those running pays a query for it."""
    if now is not None:  # a moment of the caller's choosing, which the cached list may not cover
        return running_promotions(now)
    now = timezone.now()
    unended = per_content_version(
        "promotions:unended", lambda: list(promotions().filter(is_active=True, ends_at__gt=timezone.now()))
    )
    running = [promotion for promotion in unended if promotion.starts_at <= now < promotion.ends_at]
    capped = [promotion.pk for promotion in running if promotion.unit_cap is not None]
    if not capped:
        return running
    fresh = {promotion.pk: promotion for promotion in promotions().filter(pk__in=capped)}
    return [fresh.get(promotion.pk, promotion) if promotion.pk in capped else promotion for promotion in running]


def _targeted(promotion: Promotion, product_ids: set[int]) -> set[int]:
    if promotion.target == Promotion.Target.ALL:
        return set(product_ids)
    if promotion.target == Promotion.Target.PRODUCTS:
        return {product.pk for product in promotion.products.all()} & product_ids
    if promotion.target == Promotion.Target.TAG and promotion.tag_id:
        return set(Product.objects.filter(pk__in=product_ids, tags=promotion.tag_id).values_list("pk", flat=True))
    if promotion.target == Promotion.Target.COLLECTION and promotion.collection is not None:
        members = collection_products(promotion.collection, for_sale=False).filter(pk__in=product_ids)
        return set(members.values_list("pk", flat=True))
    return set()


def promoted_prices(
    items: Iterable[tuple[int, Decimal]], *, now: datetime | None = None, currency: str | None = None
) -> dict[int, pricing.PromotedPrice]:
    """{product id: PromotedPrice} for (product id, list price) pairs: listings and the product page.

    Queries grow with the number of running promotions, never with the number of products.
    """
    pairs = list(items)
    places = currency_decimals(currency or store_currency())
    rules = _rules_by_product({product_id for product_id, _ in pairs}, now)
    return {
        product_id: pricing.promoted_price(price, rules.get(product_id, []), places=places)
        for product_id, price in pairs
    }


def variant_prices(
    variants: Iterable[tuple[int, int, Decimal]],
    *,
    quantities: Mapping[int, int] | None = None,
    now: datetime | None = None,
    currency: str | None = None,
) -> dict[int, pricing.PromotedPrice]:
    """{variant id: PromotedPrice} for (variant id, product id, list price) triples: the cart, checkout, the API.

    ``quantities`` ({variant id: units in the line}) brings in quantity tiers; without it each price is for one unit.
    """
    return _variant_prices(list(variants), quantities or {}, _running_for_pages(now), currency)


def _variant_prices(
    triples: list[tuple[int, int, Decimal]],
    quantities: Mapping[int, int],
    running: list[Promotion],
    currency: str | None,
) -> dict[int, pricing.PromotedPrice]:
    places = currency_decimals(currency or store_currency())
    rules = _rules_for(running, {product_id for _, product_id, _ in triples})
    return {
        variant_id: pricing.promoted_price(
            price, rules.get(product_id, []), places=places, quantity=quantities.get(variant_id, 1)
        )
        for variant_id, product_id, price in triples
    }


def _rules_by_product(product_ids: set[int], now: datetime | None) -> dict[int, list[pricing.PromotionRule]]:
    return _rules_for(_running_for_pages(now) if product_ids else [], product_ids)


def _rules_for(running: list[Promotion], product_ids: set[int]) -> dict[int, list[pricing.PromotionRule]]:
    rules: dict[int, list[pricing.PromotionRule]] = {}
    if not product_ids:
        return rules
    for promotion in running:
        if not promotion.changes_unit_price:
            continue
        for product_id in _targeted(promotion, product_ids):
            rules.setdefault(product_id, []).append(promotion.rule())
    return rules


@dataclass(frozen=True)
class CartPromotions:
    """Every running promotion's part in one cart: unit prices, buy-X-get-Y lines and free shipping."""

    # {variant id: price of one unit of the line after percentage and amount promotions}
    prices: dict[int, pricing.PromotedPrice]
    # {variant id: what buy-X-get-Y promotions took off the line}
    bundles: dict[int, pricing.LineBundle]
    # The running free-shipping promotions, lowest threshold first.
    free_shipping: list[pricing.ShippingRule]


def cart_promotions(
    variants: Iterable[tuple[int, int, Decimal, int]], *, now: datetime | None = None, currency: str | None = None
) -> CartPromotions:
    """The promotions of a cart of (variant id, product id, list price, quantity) lines, in the precedence order of
    docs/promotions.md: unit-price promotions first, then buy X get Y on those prices; free shipping is judged by
    the caller on the subtotal they leave. Reads no more than ``variant_prices`` does."""
    lines = list(variants)
    places = currency_decimals(currency or store_currency())
    running = _running_for_pages(now)
    prices = _variant_prices(
        [(variant_id, product_id, price) for variant_id, product_id, price, _ in lines],
        {variant_id: quantity for variant_id, _, _, quantity in lines},
        running,
        currency,
    )
    product_ids = {product_id for _, product_id, _, _ in lines}
    bundle_rules: dict[int, list[pricing.BundleRule]] = {}
    for promotion in running:
        if promotion.kind == Promotion.Kind.BUY_X_GET_Y and product_ids:
            for product_id in _targeted(promotion, product_ids):
                bundle_rules.setdefault(product_id, []).append(promotion.bundle_rule())
    bundles = pricing.bundle_discounts(
        [
            pricing.BundleLine(variant_id, prices[variant_id].unit_price, quantity, tuple(bundle_rules[product_id]))
            for variant_id, product_id, _, quantity in lines
            if product_id in bundle_rules
        ],
        places=places,
    )
    shipping = sorted(
        (
            pricing.ShippingRule(promotion.name, promotion.min_subtotal or Decimal(0))
            for promotion in running
            if promotion.kind == Promotion.Kind.FREE_SHIPPING
        ),
        key=lambda rule: rule.min_subtotal,
    )
    return CartPromotions(prices=prices, bundles=bundles, free_shipping=shipping)


def price_now(product_id: int, list_price: Decimal) -> pricing.PromotedPrice:
    """The price of one unit of a product now, for answers that price one object at a time (the API's fields).

    The running promotions and everything each one targets are read once per request (kit.request_memo), so a
    page of products costs the queries of the running promotions, not one per product.
    """
    running = remember("promotions:running", lambda: _running_for_pages(None))
    rules = [
        promotion.rule() for promotion in running if promotion.changes_unit_price and _targets(promotion, product_id)
    ]
    return pricing.promoted_price(list_price, rules, places=currency_decimals(store_currency()))


def _targets(promotion: Promotion, product_id: int) -> bool:
    if promotion.target == Promotion.Target.ALL:
        return True
    everything = remember(f"promotions:targets:{promotion.pk}", lambda: _every_targeted(promotion))
    return product_id in everything


def _every_targeted(promotion: Promotion) -> frozenset[int]:
    if promotion.target == Promotion.Target.PRODUCTS:
        return frozenset(product.pk for product in promotion.products.all())
    if promotion.target == Promotion.Target.TAG and promotion.tag_id:
        return frozenset(Product.objects.filter(tags=promotion.tag_id).values_list("pk", flat=True))
    if promotion.target == Promotion.Target.COLLECTION and promotion.collection is not None:
        return frozenset(collection_products(promotion.collection, for_sale=False).values_list("pk", flat=True))
    return frozenset()


# --- Offers: running promotions that change no unit price, told beside it ----------------------------------------


@dataclass(frozen=True)
class Offer:
    """A running promotion a product is in whose saving depends on the cart, so no listed price shows it: buy X
    get Y, a quantity tier ("3 or more"), free shipping over an amount. Pages say it beside the price."""

    name: str
    kind: str
    value: Decimal
    buy: int = 0
    get: int = 0
    min_quantity: int = 1
    min_subtotal: Decimal | None = None


def product_offers(product_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, list[Offer]]:
    """{product id: its offers, earliest started first} for the given products (those with none are left out).

    Reads the running promotions as the prices do (no query on most pages) and, per running offer, which of the
    products it targets: queries grow with the number of running offers, never with the number of products.
    """
    ids = set(product_ids)
    found: dict[int, list[Offer]] = {}
    if not ids:
        return found
    running = sorted(_running_for_pages(now), key=lambda promotion: (promotion.starts_at, promotion.pk))
    for promotion in running:
        offer = _offer(promotion)
        if offer is None:
            continue
        for product_id in sorted(_targeted(promotion, ids)):
            found.setdefault(product_id, []).append(offer)
    return found


def _offer(promotion: Promotion) -> Offer | None:
    if promotion.kind == Promotion.Kind.BUY_X_GET_Y:
        return Offer(promotion.name, promotion.kind, promotion.value, promotion.buy_quantity or 1,
                     promotion.get_quantity or 1)  # fmt: skip
    if promotion.kind == Promotion.Kind.FREE_SHIPPING:
        return Offer(promotion.name, promotion.kind, Decimal(0), min_subtotal=promotion.min_subtotal or Decimal(0))
    if promotion.changes_unit_price and promotion.min_quantity > 1:
        return Offer(promotion.name, promotion.kind, promotion.value, min_quantity=promotion.min_quantity)
    return None


def describe_offer(offer: Offer, currency: str) -> str:
    """What a buyer reads on the badge, in the page's language: "Buy 2, get 1 free", "3 or more: 10% off each"."""
    if offer.kind == Promotion.Kind.BUY_X_GET_Y:
        if offer.value >= 100:
            return _("Buy %(buy)s, get %(get)s free") % {"buy": offer.buy, "get": offer.get}
        return _("Buy %(buy)s, get %(get)s at %(percent)s%% off") % {
            "buy": offer.buy, "get": offer.get, "percent": _plain_number(offer.value),
        }  # fmt: skip
    if offer.kind == Promotion.Kind.FREE_SHIPPING:
        return _("Free shipping on orders of %(amount)s or more") % {
            "amount": format_money(offer.min_subtotal, currency)
        }
    if offer.kind == Promotion.Kind.PERCENTAGE:
        return _("%(count)s or more: %(percent)s%% off each") % {
            "count": offer.min_quantity, "percent": _plain_number(offer.value),
        }  # fmt: skip
    return _("%(count)s or more: %(amount)s off each") % {
        "count": offer.min_quantity, "amount": format_money(offer.value, currency),
    }  # fmt: skip


def _plain_number(value: Decimal) -> str:
    """50.00 as "50", 12.50 as "12.5": a percent as people write it."""
    return f"{value.normalize():f}"


def offers_now(product_id: int) -> list[Offer]:
    """A product's offers now, for answers that price one object at a time (the API): like ``price_now``, the
    running promotions and what each targets are read once per request, not once per product."""
    running = remember("promotions:running", lambda: _running_for_pages(None))
    found = []
    for promotion in sorted(running, key=lambda promotion: (promotion.starts_at, promotion.pk)):
        offer = _offer(promotion)
        if offer is not None and _targets(promotion, product_id):
            found.append(offer)
    return found
