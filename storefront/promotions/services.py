"""Changes to a store's promotions: create, edit and end them, each in one transaction."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from platform.kit.money import NotAWrittenNumber, parse_amount, read_written_number
from storefront.catalog.changes import announce_product_changes
from storefront.catalog.models import Collection, Product, Tag
from storefront.catalog.selectors import collection_products
from storefront.page_cache import invalidate_store_pages
from storefront.themes.selectors import store_currency, store_timezone

from .models import PriceBoundaryMark, Promotion, PromotionUse


class CapReached(Exception):
    """A flash sale has fewer units left at its price than an order wants; nothing of that claim was written."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def claim_capped_units(*, order: Model, claims: dict[int, int]) -> None:
    """Take ``claims`` ({promotion id: units}) from capped promotions' counters for ``order``, or raise CapReached.

    Call it inside the order's transaction, after its stock is reserved: each counter moves by one conditional
    UPDATE (PostgreSQL re-checks the condition on the newest row once a concurrent claim commits), so no cap is
    ever passed; promotions are taken in id order so two orders never wait on each other.
    """
    for promotion_id in sorted(claims):
        units = claims[promotion_id]
        taken = Promotion.objects.filter(
            pk=promotion_id, unit_cap__isnull=False, units_sold__lte=F("unit_cap") - units
        ).update(units_sold=F("units_sold") + units)
        if not taken:
            name = Promotion.objects.filter(pk=promotion_id).values_list("name", flat=True).first() or "The sale"
            raise CapReached(name)
        PromotionUse.objects.create(promotion_id=promotion_id, order_id=order.pk, quantity=units)


def release_capped_units(order: Model) -> None:
    """Give back the capped units an unpaid order held, when its reservation is released."""
    for use in PromotionUse.objects.filter(order_id=order.pk).order_by("promotion_id"):
        Promotion.objects.filter(pk=use.promotion_id).update(units_sold=F("units_sold") - use.quantity)
        use.delete()


def in_store_time(moment: datetime) -> datetime:
    """``moment`` as an instant: a naive date-time is read as the store's wall-clock time, an aware one is kept."""
    if timezone.is_aware(moment):
        return moment
    return moment.replace(tzinfo=store_timezone())


@transaction.atomic
def save_promotion(
    *,
    promotion: Promotion | None,
    name: str,
    kind: str,
    value: object,
    target: str,
    collection_id: int | None = None,
    tag_id: int | None = None,
    product_ids: list[int] | None = None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    combination: str = Promotion.Combination.BEST_FOR_BUYER,
    min_quantity: int = 1,
    unit_cap: int | None = None,
    is_active: bool = True,
    buy_quantity: int | None = None,
    get_quantity: int | None = None,
    min_subtotal: object = None,
    currency: str | None = None,
) -> Promotion:
    """Create (``promotion`` None) or change a promotion. Naive times are the store's wall-clock time.

    Raises ValidationError keyed by field; nothing is written then. Targets are looked up in this store's schema,
    so an id from another store finds nothing and is refused.
    """
    currency = currency or store_currency()
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Give the promotion a name; buyers see it next to the price.")]
    amount: Decimal | None = None
    threshold: Decimal | None = None
    if kind == Promotion.Kind.PERCENTAGE:
        try:
            amount = read_written_number(str(value))
        except NotAWrittenNumber:
            errors["value"] = [_("The percentage must be a number such as 15 or 12.5.")]
        else:
            if not 0 < amount <= 100:
                errors["value"] = [_("The percentage must be more than 0 and at most 100.")]
            elif amount != amount.quantize(Decimal("0.01")):
                errors["value"] = [_("The percentage can have at most 2 decimal places.")]
    elif kind == Promotion.Kind.FIXED:
        try:
            amount = parse_amount(value, currency=currency, label=_("The amount off"))
        except ValidationError as error:
            errors["value"] = error.messages
        else:
            if amount == 0:
                errors["value"] = [_("The amount off must be more than 0.")]
    elif kind == Promotion.Kind.BUY_X_GET_Y:
        try:
            amount = read_written_number(str(value))
        except NotAWrittenNumber:
            errors["value"] = [
                _("Say how much is taken off the free units, in percent: 100 for free, 50 for half price.")
            ]
        else:
            if not 0 < amount <= 100 or amount != amount.quantize(Decimal("0.01")):
                errors["value"] = [_("The percent off the free units must be more than 0 and at most 100.")]
        for field, number in (("buy_quantity", buy_quantity), ("get_quantity", get_quantity)):
            if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
                errors[field] = [_("Buy X get Y needs a whole number of units from 1 to 99 here.")]
    elif kind == Promotion.Kind.FREE_SHIPPING:
        amount = Decimal(0)
        target = Promotion.Target.ALL  # shipping is the order's, not a product's
        try:
            threshold = parse_amount(
                "" if min_subtotal is None else min_subtotal, currency=currency, label=_("The order amount")
            )
        except ValidationError as error:
            errors["min_subtotal"] = error.messages
    else:
        errors["kind"] = [_("Choose a percentage, an amount off, buy X get Y or free shipping.")]
    if kind != Promotion.Kind.BUY_X_GET_Y:
        buy_quantity = get_quantity = None
    if isinstance(min_quantity, bool) or not isinstance(min_quantity, int) or not 1 <= min_quantity <= 999:
        errors["min_quantity"] = [_("The minimum quantity must be a whole number from 1 to 999.")]
    if unit_cap is not None and (isinstance(unit_cap, bool) or not isinstance(unit_cap, int) or unit_cap < 1):
        errors["unit_cap"] = [_("The cap must be a whole number of units, at least 1 (or empty for none).")]
    elif unit_cap is not None and promotion is not None and unit_cap < promotion.units_sold:
        sold = promotion.units_sold
        errors["unit_cap"] = [
            ngettext(
                "%(sold)s unit was already sold at this price; the cap can't be lower.",
                "%(sold)s units were already sold at this price; the cap can't be lower.",
                sold,
            )
            % {"sold": sold}
        ]
    if combination not in Promotion.Combination.values:
        errors["combination"] = [_("Choose whether this promotion stacks or competes as best for the buyer.")]
    collection = tag = None
    products: list[Product] = []
    if target == Promotion.Target.COLLECTION:
        collection = Collection.objects.filter(pk=collection_id).first() if collection_id else None
        if collection is None:
            errors["collection"] = [_("Choose one of your collections.")]
    elif target == Promotion.Target.TAG:
        tag = Tag.objects.filter(pk=tag_id).first() if tag_id else None
        if tag is None:
            errors["tag"] = [_("Choose one of your tags.")]
    elif target == Promotion.Target.PRODUCTS:
        wanted = set(product_ids or [])
        products = list(Product.objects.filter(pk__in=wanted))
        if not wanted:
            errors["products"] = [_("Choose at least one product.")]
        elif len(products) != len(wanted):
            errors["products"] = [_("Choose only products of this store.")]
    elif target != Promotion.Target.ALL:
        errors["target"] = [_("Choose a collection, a tag, products or every product.")]
    if starts_at is None:
        errors["starts_at"] = [_("Say when the promotion starts (store time).")]
    if ends_at is None:
        errors["ends_at"] = [_("Say when the promotion ends (store time).")]
    if starts_at is not None and ends_at is not None:
        starts_at, ends_at = in_store_time(starts_at), in_store_time(ends_at)
        if ends_at <= starts_at:
            errors["ends_at"] = [_("The end must be after the start.")]
    if errors:
        raise ValidationError(errors)
    assert amount is not None and starts_at is not None and ends_at is not None  # every None was an error above
    before = targeted_product_ids(promotion) if promotion is not None else set()
    promotion = promotion or Promotion()
    promotion.name, promotion.kind, promotion.value, promotion.target = name, kind, amount, target
    promotion.collection, promotion.tag = collection, tag
    promotion.starts_at, promotion.ends_at = starts_at, ends_at
    promotion.combination, promotion.is_active = combination, is_active
    promotion.min_quantity, promotion.unit_cap = min_quantity, unit_cap
    promotion.buy_quantity, promotion.get_quantity, promotion.min_subtotal = buy_quantity, get_quantity, threshold
    promotion.save()
    promotion.products.set(products)
    # The directory lists promoted prices: the products it priced before and prices now are listed again.
    announce_product_changes(before | targeted_product_ids(promotion))
    invalidate_store_pages()
    return promotion


@transaction.atomic
def end_promotion(*, promotion: Promotion, now: datetime | None = None) -> Promotion:
    """Stop a promotion now: it is deactivated, and a running one gets its end set to this moment."""
    now = now or timezone.now()
    promotion.is_active = False
    if promotion.starts_at < now < promotion.ends_at:
        promotion.ends_at = now
    promotion.save(update_fields=["is_active", "ends_at"])
    announce_product_changes(targeted_product_ids(promotion))
    invalidate_store_pages()
    return promotion


def targeted_product_ids(promotion: Promotion) -> set[int]:
    """The products whose listed price ``promotion`` changes while it runs (none for buy X get Y, free shipping)."""
    if not promotion.changes_unit_price:
        return set()
    products = Product.objects.all()
    if promotion.target == Promotion.Target.PRODUCTS:
        products = products.filter(pk__in=promotion.products.values("pk"))
    elif promotion.target == Promotion.Target.TAG:
        products = products.filter(tags=promotion.tag_id) if promotion.tag_id else products.none()
    elif promotion.target == Promotion.Target.COLLECTION:
        if promotion.collection is None:
            return set()
        products = collection_products(promotion.collection, for_sale=False)
    return set(products.values_list("pk", flat=True))


@transaction.atomic
def record_price_boundaries(*, now: datetime | None = None) -> int:
    """Send the directory the products whose promoted price started or ended since the last call; returns how many.

    Run by the store's periodic task (tasks.feed_price_boundaries): a scheduled start or end changes no row, so
    nothing else would tell the directory. The last moment covered is kept in the one PriceBoundaryMark row,
    locked for the call, so two runs never skip or repeat a window.
    """
    now = now or timezone.now()
    mark, _created = PriceBoundaryMark.objects.select_for_update().get_or_create(pk=1, defaults={"checked_until": now})
    since = mark.checked_until
    if since >= now:
        return 0
    crossed = Promotion.objects.filter(kind__in=[Promotion.Kind.PERCENTAGE, Promotion.Kind.FIXED]).filter(
        Q(starts_at__gt=since, starts_at__lte=now) | Q(ends_at__gt=since, ends_at__lte=now)
    )
    product_ids: set[int] = set()
    for promotion in crossed.select_related("collection"):
        product_ids |= targeted_product_ids(promotion)
    announce_product_changes(product_ids)
    mark.checked_until = now
    mark.save(update_fields=["checked_until"])
    return len(product_ids)
