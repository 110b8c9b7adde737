"""The one computation of an order's totals: pure `Decimal` arithmetic, rounded as docs/checkout.md describes.

The rule: every amount is rounded half-up to the currency's minor unit at the moment it is computed — each line
(unit price x quantity), then the discount (on the subtotal), then the tax (on the discounted merchandise
subtotal; shipping is not taxed). The total is the sum of the rounded parts, so the summary adds up to the cent.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")

PERCENTAGE, FIXED, FREE_SHIPPING = "percentage", "fixed", "free_shipping"
FLAT, WEIGHT, FREE_OVER = "flat", "weight", "free_over"


@dataclass(frozen=True)
class Line:
    unit_price: Decimal
    quantity: int
    weight_grams: int = 0
    # What a buy-X-get-Y promotion took off the whole line (already rounded; see ``bundle_discounts``).
    discount: Decimal = ZERO


@dataclass(frozen=True)
class Discount:
    kind: str  # PERCENTAGE (value is percent), FIXED (value is an amount) or FREE_SHIPPING
    value: Decimal = ZERO


@dataclass(frozen=True)
class Rate:
    kind: str  # FLAT, WEIGHT or FREE_OVER
    price: Decimal = ZERO
    min_weight_grams: int = 0
    max_weight_grams: int | None = None
    min_subtotal: Decimal | None = None


@dataclass(frozen=True)
class Totals:
    line_totals: tuple[Decimal, ...]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    # True: `tax` is already inside the prices (shown as "includes"); False: it was added to the total.
    tax_included: bool


def round_money(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def total_weight(lines: Sequence[Line]) -> int:
    return sum(line.weight_grams * line.quantity for line in lines)


def discount_amount(subtotal: Decimal, discount: Discount | None, *, places: int) -> Decimal:
    """What the code takes off the merchandise subtotal (never more than the subtotal)."""
    if discount is None or discount.kind == FREE_SHIPPING:
        return round_money(ZERO, places)
    if discount.kind == PERCENTAGE:
        return min(subtotal, round_money(subtotal * discount.value / HUNDRED, places))
    if discount.kind == FIXED:
        return min(subtotal, round_money(discount.value, places))
    raise ValueError(f"unknown discount kind {discount.kind!r}")


def rate_applies(rate: Rate, *, weight_grams: int, discounted_subtotal: Decimal) -> bool:
    """Whether a shipping rate is offered for an order of this weight and (discounted) subtotal."""
    if rate.kind == FLAT:
        return True
    if rate.kind == WEIGHT:
        return weight_grams >= rate.min_weight_grams and (
            rate.max_weight_grams is None or weight_grams < rate.max_weight_grams
        )
    if rate.kind == FREE_OVER:
        return rate.min_subtotal is not None and discounted_subtotal >= rate.min_subtotal
    raise ValueError(f"unknown rate kind {rate.kind!r}")


def rate_price(rate: Rate) -> Decimal:
    return ZERO if rate.kind == FREE_OVER else rate.price


def compute_totals(
    *,
    lines: Sequence[Line],
    places: int,
    rate: Rate | None,
    discount: Discount | None,
    tax_rate: Decimal,
    prices_include_tax: bool,
    free_shipping: bool = False,
) -> Totals:
    """Totals of an order; ``tax_rate`` is a percent (8.25), ``rate`` None means nothing to ship yet.

    ``free_shipping``: a running free-shipping promotion covers this order, so its shipping costs nothing.
    """
    line_totals = tuple(round_money(line.unit_price * line.quantity, places) - line.discount for line in lines)
    subtotal = round_money(sum(line_totals, ZERO), places)
    discount_total = discount_amount(subtotal, discount, places=places)
    discounted = subtotal - discount_total
    shipping = (
        ZERO
        if rate is None or free_shipping or (discount is not None and discount.kind == FREE_SHIPPING)
        else rate_price(rate)
    )
    shipping = round_money(shipping, places)
    if prices_include_tax:
        # The discounted prices already hold the tax: take out the part that is tax, total unchanged.
        tax = round_money(discounted * tax_rate / (HUNDRED + tax_rate), places)
        total = discounted + shipping
    else:
        tax = round_money(discounted * tax_rate / HUNDRED, places)
        total = discounted + shipping + tax
    return Totals(
        line_totals=line_totals,
        subtotal=subtotal,
        discount=discount_total,
        shipping=shipping,
        tax=tax,
        total=total,
        tax_included=prices_include_tax,
    )


def returned_goods_refund(
    *, returned_list_price: Decimal, subtotal: Decimal, total: Decimal, shipping: Decimal, places: int
) -> Decimal:
    """What the buyer paid for returned units listed at ``returned_list_price`` (unit price x quantity).

    Their share of what the order charged for goods, i.e. the total without shipping: an order-level discount and
    the tax (added or included) are shared out in proportion to list price, so returning every unit gives back
    everything but the shipping, and no return ever gives back more than was paid for those units.
    """
    if subtotal <= 0:
        return round_money(ZERO, places)
    return round_money((total - shipping) * returned_list_price / subtotal, places)


def minor_units(amount: Decimal, places: int) -> int:
    """The amount as Stripe counts it (cents for USD, yen for JPY)."""
    return int(round_money(amount, places).scaleb(places))


# --- Automatic promotions (docs/promotions.md) ----------------------------------------------------------------

BEST_FOR_BUYER, STACKS = "best", "stack"


@dataclass(frozen=True)
class PromotionRule:
    """One running promotion that targets a line's product, as the price computation needs it."""

    name: str
    kind: str  # PERCENTAGE (value is percent) or FIXED (value is an amount off each unit)
    value: Decimal
    combination: str  # BEST_FOR_BUYER or STACKS
    # A quantity tier: the rule applies to a line of at least this many units (1: to any line).
    min_quantity: int = 1
    # A flash sale's cap: units still to sell at the sale price (None: no cap). A line wanting more gets none.
    units_left: int | None = None
    promotion_id: int | None = None
    # When the promotion ends, for the countdown next to a sale price.
    ends_at: datetime | None = None
    # Stacking rules are applied in this order (the promotion's start, then its id), so the result never depends
    # on the order the database returned them in.
    order: tuple = ()


@dataclass(frozen=True)
class AppliedPromotion:
    name: str
    unit_discount: Decimal
    # Set for a capped promotion: the order claims its units from this promotion's counter.
    capped_promotion_id: int | None = None


@dataclass(frozen=True)
class PromotedPrice:
    list_price: Decimal
    unit_price: Decimal
    applied: tuple[AppliedPromotion, ...] = ()
    # The earliest end of the promotions applied: when this price stops (None: no promotion, or no end known).
    ends_at: datetime | None = None

    @property
    def unit_discount(self) -> Decimal:
        return self.list_price - self.unit_price

    @property
    def label(self) -> str:
        """The names of the promotions that took something off, as the cart and the order show them."""
        return " + ".join(item.name for item in self.applied)


def _unit_discount(price: Decimal, rule: PromotionRule, places: int) -> Decimal:
    if rule.kind == PERCENTAGE:
        return min(price, round_money(price * rule.value / HUNDRED, places))
    if rule.kind == FIXED:
        return min(price, round_money(rule.value, places))
    raise ValueError(f"unknown promotion kind {rule.kind!r}")


def _capped(rule: PromotionRule) -> int | None:
    return rule.promotion_id if rule.units_left is not None else None


def promoted_price(
    list_price: Decimal, rules: Sequence[PromotionRule], *, places: int, quantity: int = 1
) -> PromotedPrice:
    """The unit price, for a line of ``quantity`` units, after the running promotions ``rules`` that target this
    product (a rule whose ``min_quantity`` the line doesn't reach is left out).

    Precedence: of the best-for-the-buyer rules only the one taking the most off the list price applies (a tie
    goes to the earlier rule); then every stacking rule applies, in ``order``, each to the price left by the ones
    before. Each step is rounded half-up to the currency's minor unit and no price goes below zero.
    """
    price = round_money(list_price, places)
    rules = [
        rule
        for rule in rules
        if quantity >= rule.min_quantity and (rule.units_left is None or quantity <= rule.units_left)
    ]
    applied: list[AppliedPromotion] = []
    ends: list[datetime] = []
    best: tuple[Decimal, PromotionRule] | None = None
    for rule in sorted((rule for rule in rules if rule.combination == BEST_FOR_BUYER), key=lambda r: r.order):
        amount = _unit_discount(price, rule, places)
        if amount > 0 and (best is None or amount > best[0]):
            best = (amount, rule)
    if best is not None:
        price -= best[0]
        applied.append(AppliedPromotion(best[1].name, best[0], _capped(best[1])))
        ends += [best[1].ends_at] if best[1].ends_at else []
    for rule in sorted((rule for rule in rules if rule.combination == STACKS), key=lambda r: r.order):
        amount = _unit_discount(price, rule, places)
        if amount > 0:
            price -= amount
            applied.append(AppliedPromotion(rule.name, amount, _capped(rule)))
            ends += [rule.ends_at] if rule.ends_at else []
    return PromotedPrice(
        list_price=round_money(list_price, places),
        unit_price=price,
        applied=tuple(applied),
        ends_at=min(ends, default=None),
    )


# --- Buy X get Y, and free shipping over an amount (docs/promotions.md) ------------------------------------------


@dataclass(frozen=True)
class BundleRule:
    """A running buy-X-get-Y promotion: of every ``buy + get`` units of its products, ``get`` are ``percent`` off."""

    name: str
    buy: int
    get: int
    percent: Decimal
    promotion_id: int
    # Earlier rules take their units first (the promotion's start, then its id).
    order: tuple = ()


@dataclass(frozen=True)
class BundleLine:
    """A cart line as buy-X-get-Y sees it: its unit price after the other promotions, and the rules it is in."""

    key: int
    unit_price: Decimal
    quantity: int
    rules: tuple[BundleRule, ...] = ()


@dataclass(frozen=True)
class LineBundle:
    """What buy-X-get-Y promotions took off one line, and which ones."""

    discount: Decimal
    names: tuple[str, ...]
    # How many of the line's units were discounted, and whether each of them was free (100 % off), so the cart
    # can say "1 of 3 free" rather than only an amount.
    free_units: int
    all_free: bool = True


def bundle_discounts(lines: Sequence[BundleLine], *, places: int) -> dict[int, LineBundle]:
    """{line key: LineBundle} for the lines some buy-X-get-Y rule discounts.

    Each rule, in ``order``, counts the units of its lines that no earlier rule took: ``n // (buy + get)`` groups
    make ``groups * get`` units at ``percent`` off, and those are the cheapest of them (ties: the lower key). The
    rule then takes those units and the ``groups * buy`` dearest ones as paid for; units left over in the middle
    are free for a later rule. Each discounted unit's amount is rounded half-up to the currency's minor unit.
    """
    rules = {rule.promotion_id: rule for line in lines for rule in line.rules}
    taken: dict[int, int] = {line.key: 0 for line in lines}
    discounts: dict[int, Decimal] = {}
    names: dict[int, list[str]] = {}
    free: dict[int, int] = {}
    partly: set[int] = set()
    for rule in sorted(rules.values(), key=lambda r: (r.order, r.promotion_id)):
        units = sorted(
            (line.unit_price, line.key)
            for line in lines
            if any(item.promotion_id == rule.promotion_id for item in line.rules)
            for _ in range(line.quantity - taken[line.key])
        )
        groups = len(units) // (rule.buy + rule.get)
        if not groups:
            continue
        given = units[: groups * rule.get]
        paid = units[len(units) - groups * rule.buy :]
        for price, key in given:
            amount = min(price, round_money(price * rule.percent / HUNDRED, places))
            discounts[key] = discounts.get(key, ZERO) + amount
            free[key] = free.get(key, 0) + 1
            if rule.percent < HUNDRED:
                partly.add(key)
            if rule.name not in names.setdefault(key, []):
                names[key].append(rule.name)
        for _, key in given + paid:
            taken[key] += 1
    return {
        key: LineBundle(
            discount=round_money(amount, places),
            names=tuple(names[key]),
            free_units=free[key],
            all_free=key not in partly,
        )
        for key, amount in discounts.items()
    }


@dataclass(frozen=True)
class ShippingRule:
    """A running free-shipping promotion: an order whose subtotal after promotions reaches ``min_subtotal``."""

    name: str
    min_subtotal: Decimal


def free_shipping_rule(rules: Sequence[ShippingRule], *, subtotal: Decimal) -> ShippingRule | None:
    """The free-shipping rule this subtotal reaches (the lowest threshold, then the first given), or None."""
    reached = [rule for rule in rules if subtotal >= rule.min_subtotal]
    return min(reached, key=lambda rule: rule.min_subtotal) if reached else None
