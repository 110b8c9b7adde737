"""Reads for the marketplace cart page: the cart of a session, and each store's part priced by that store."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from billing import connect
from tenants.models import Store

from . import bridge
from .models import CartStore, MarketplaceCart, MarketplaceCheckout


def join_refusal(store: Store | None) -> str | None:
    """Why ``store`` can't be part of a marketplace cart now (for the buyer), or None when it can.

    The platform pays each store by a transfer to its connected Stripe account, so a store without one able to
    take payments can't join; nor can a store that isn't open (suspended by the platform, closed).
    """
    if store is None or store.status in (Store.Status.CLOSED, Store.Status.PROVISIONING):
        return gettext("This store is closed.")
    if store.status == Store.Status.SUSPENDED:
        return gettext("%(store)s is suspended by the platform and can't sell right now.") % {"store": store.name}
    account = connect.connected_account_for(store)
    if account is None or not account.can_take_payments:
        return gettext(
            "%(store)s hasn't finished setting up its Stripe payouts, so it can't join a cart across stores yet."
        ) % {"store": store.name}
    return None


def cart_by_token(token: str | None) -> MarketplaceCart | None:
    """A visitor's cart by its session's token; a cart a buyer owns is never found this way."""
    return MarketplaceCart.objects.filter(token=token, buyer_id__isnull=True).first() if token else None


def cart_of_buyer(buyer_id: int) -> MarketplaceCart | None:
    return MarketplaceCart.objects.filter(buyer_id=buyer_id).first()


def checkout_by_token(token: str) -> MarketplaceCheckout | None:
    return MarketplaceCheckout.objects.filter(token=token).first()


@dataclass
class CartGroup:
    """One store's lines in the cart page: the store, its priced part, and why it can't be paid now (if so)."""

    store: Store
    part: bridge.StorePart
    refusal: str | None


@dataclass
class CartView:
    groups: list[CartGroup]

    @property
    def total(self) -> Decimal:
        return sum((group.part.total for group in self.groups if group.refusal is None), Decimal(0))

    @property
    def currencies(self) -> list[str]:
        return sorted({group.part.currency for group in self.groups})

    @property
    def payable(self) -> bool:
        return bool(self.groups) and all(group.refusal is None for group in self.groups) and len(self.currencies) == 1


def cart_view(
    cart: MarketplaceCart | None, *, country: str = "", choices: dict[int, tuple[int | None, str]] | None = None
) -> CartView:
    """Every store's part of the cart, by store, priced by that store's own checkout for ``country``, with the
    buyer's ``choices`` of shipping rate and discount code per store id."""
    if cart is None:
        return CartView(groups=[])
    choices = choices or {}
    groups = []
    for part in CartStore.objects.select_related("store").filter(cart=cart).order_by("store_id"):
        rate_id, code = choices.get(part.store_id, (None, ""))
        priced = bridge.quote_part(
            store=part.store,
            store_cart_token=part.store_cart_token,
            country=country,
            rate_id=rate_id,
            discount_code=code,
        )
        if priced.lines:
            groups.append(CartGroup(store=part.store, part=priced, refusal=join_refusal(part.store)))
    return CartView(groups=groups)
