"""Changes to marketplace carts and checkouts: adding lines, and placing one order per store all-or-nothing."""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from billing import connect, limits
from platform.buyers import selectors as buyer_selectors
from platform.buyers import services as buyer_services
from platform.directory.models import Listing
from platform.kit.money import currency_decimals
from tenants.models import Store

from . import bridge
from .bridge import Address, CheckoutError, minor_units
from .models import CartStore, MarketplaceCart, MarketplaceCheckout, StoreOrder
from .selectors import join_refusal


def add_to_marketplace_cart(
    *,
    cart: MarketplaceCart | None,
    store_id: int,
    product_id: int,
    variant_id: int | None,
    quantity: int,
    buyer_id: int | None = None,
) -> MarketplaceCart:
    """Add a product of one store to the cart (made if None, owned by ``buyer_id`` when a buyer is signed in);
    the store's own cart service takes the line.

    Raises ValidationError, for the buyer: the store can't join (and why), or the product can't be added.
    """
    store = Store.objects.filter(pk=store_id).first()
    refusal = join_refusal(store)
    if refusal or store is None:
        raise ValidationError(refusal or gettext("This store is closed."), code="store_cannot_join")
    with transaction.atomic():
        if cart is None:
            cart = _new_cart(buyer_id=buyer_id)
        # One add at a time per cart, so two tabs adding from the same new store make one part, not two.
        MarketplaceCart.objects.select_for_update().filter(pk=cart.pk).first()
        part = CartStore.objects.filter(cart=cart, store=store).first()
        token = bridge.add_line(
            store=store,
            store_cart_token=part.store_cart_token if part else None,
            product_id=product_id,
            variant_id=variant_id,
            quantity=quantity,
        )
        if part is None:
            CartStore.objects.create(cart=cart, store=store, store_cart_token=token)
        MarketplaceCart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return cart


def _new_cart(*, buyer_id: int | None) -> MarketplaceCart:
    if buyer_id is None:
        return MarketplaceCart.objects.create(token=secrets.token_urlsafe(32))
    # Two first adds of one buyer at once (two devices): the unique buyer key lets one make the cart, the other
    # finds it.
    with transaction.atomic():
        MarketplaceCart.objects.bulk_create(
            [MarketplaceCart(token=secrets.token_urlsafe(32), buyer_id=buyer_id)], ignore_conflicts=True
        )
    return MarketplaceCart.objects.get(buyer_id=buyer_id)


def claim_cart(*, buyer_id: int, visitor_cart: MarketplaceCart | None) -> tuple[MarketplaceCart | None, list[str]]:
    """The buyer's own cart, with the cart they filled before signing in (``visitor_cart``, a cart of no
    buyer) merged into it; returns it (None when the buyer has none) and the titles of lines left out.

    A store only in the visitor's cart moves over as it is; a store in both has the visitor's lines added to the
    buyer's by that store's own cart service (a line that no longer fits the stock once added up is left out, and
    named). The visitor's cart is deleted. A cart that belongs to a buyer is never merged into another's.
    """
    left_out: list[str] = []
    with transaction.atomic():
        if visitor_cart is None:
            return MarketplaceCart.objects.filter(buyer_id=buyer_id).first(), left_out
        visitor = MarketplaceCart.objects.select_for_update().filter(pk=visitor_cart.pk, buyer_id__isnull=True).first()
        if visitor is None:  # already claimed (another tab), or someone's own cart: nothing of it is ours
            return MarketplaceCart.objects.filter(buyer_id=buyer_id).first(), left_out
        own = MarketplaceCart.objects.select_for_update().filter(buyer_id=buyer_id).first()
        if own is None:
            visitor.buyer_id = buyer_id
            visitor.save(update_fields=["buyer_id", "updated_at"])
            return visitor, left_out
        own_parts = {part.store_id: part for part in CartStore.objects.filter(cart=own)}
        for part in CartStore.objects.select_related("store").filter(cart=visitor).order_by("store_id"):
            kept = own_parts.get(part.store_id)
            if kept is None:
                CartStore.objects.filter(pk=part.pk).update(cart=own)
                continue
            left_out += bridge.merge_store_carts(
                store=part.store, from_token=part.store_cart_token, into_token=kept.store_cart_token
            )
        visitor.delete()
        MarketplaceCart.objects.filter(pk=own.pk).update(updated_at=timezone.now())
    return own, left_out


def add_listing(
    *, cart: MarketplaceCart | None, store_id: int, product_id: int, quantity: int, buyer_id: int | None = None
) -> MarketplaceCart:
    """Add a directory listing's product (its first variant) to the cart; only a visible listing can be added."""
    listing = Listing.objects.filter(store_id=store_id, product_id=product_id, visible=True).first()
    if listing is None:
        raise ValidationError(gettext("This product is no longer listed."), code="not_listed")
    return add_to_marketplace_cart(
        cart=cart,
        store_id=listing.store_id,
        product_id=listing.product_id,
        variant_id=None,
        quantity=quantity,
        buyer_id=buyer_id,
    )


def set_line_quantity(*, cart: MarketplaceCart, store_id: int, line_id: int, quantity: int) -> None:
    """Change one line of the cart's part in ``store_id`` (0 removes it); a store not in this cart is not found."""
    part = CartStore.objects.select_related("store").filter(cart=cart, store_id=store_id).first()
    if part is None:
        raise ValidationError(gettext("That item is no longer in your cart."), code="not_found")
    bridge.set_line_quantity(
        store=part.store, store_cart_token=part.store_cart_token, line_id=line_id, quantity=quantity
    )


@dataclass(frozen=True)
class StoreChoice:
    """What the buyer chose for one store's part: its shipping rate, its discount code, the total they saw."""

    rate_id: int | None = None
    discount_code: str = ""
    expected_total: Decimal | None = None


class CheckoutRefused(ValidationError):
    """Why the cart can't be paid now, keyed by store slug ("__all__": the whole cart); nothing was written."""


def start_checkout(
    *,
    cart: MarketplaceCart,
    checkout_key: str,
    email: str,
    address: Address,
    choices: dict[int, StoreChoice],
    client_ip: str,
) -> MarketplaceCheckout:
    """Place one order in every store of the cart, reserving stock in each, all or nothing; or return the checkout
    this ``checkout_key`` made already. Payment is started afterwards (``payments.start_payment``).

    Every store's order is placed in one database transaction (the stores' schemas are in one database), in
    store id order and, within a store, variant id order, so concurrent checkouts take row locks in the same
    sequence. If any store refuses (a store suspended since the line was added, a sold-out unit, an address
    that store doesn't ship to), the transaction rolls back: no store keeps an order or a reservation.

    A new checkout counts as a new order from ``client_ip`` in every store of the cart, against each store's own
    hourly limit (``storefront.checkout.limits``, as on the store's own site); a store past it refuses the whole
    checkout, naming its lines, before anything is placed. A retry with the same key is never counted.
    """
    existing = MarketplaceCheckout.objects.filter(checkout_key=checkout_key).first()
    if existing is not None:
        return existing
    parts = list(CartStore.objects.select_related("store").filter(cart=cart).order_by("store_id"))
    buyer = buyer_selectors.buyer_by_id(cart.buyer_id)
    errors: dict[str, list[str]] = {}
    for part in parts:
        refusal = join_refusal(part.store)
        if refusal:
            titles = bridge.line_titles(store=part.store, store_cart_token=part.store_cart_token)
            errors[part.store.slug] = [f"{title}: {refusal} Remove it to pay for the rest." for title in titles] or [
                refusal
            ]
    if errors:
        raise CheckoutRefused(errors)
    quotes = {
        part.store_id: bridge.quote_part(
            store=part.store,
            store_cart_token=part.store_cart_token,
            country=address.country,
            rate_id=choices.get(part.store_id, StoreChoice()).rate_id,
            discount_code=choices.get(part.store_id, StoreChoice()).discount_code,
        )
        for part in parts
    }
    parts = [part for part in parts if quotes[part.store_id].lines]
    if not parts:
        raise CheckoutRefused({"__all__": [gettext("Your cart is empty.")]})
    currencies = {quotes[part.store_id].currency for part in parts}
    if len(currencies) > 1:
        message = gettext(
            "One payment can be in one currency; this cart has %(currencies)s. Pay for each currency's stores "
            "separately."
        ) % {"currencies": ", ".join(sorted(currencies))}
        raise CheckoutRefused({"__all__": [message]})
    currency = currencies.pop()
    places = currency_decimals(currency)
    for part in parts:
        if not bridge.allow_new_order(store=part.store, client_ip=client_ip):
            reason = gettext(
                "%(store)s takes no more new orders from your connection this hour; try again later, or contact "
                "the store."
            ) % {"store": part.store.name}
            errors[part.store.slug] = [f"{line.title}: {reason}" for line in quotes[part.store_id].lines]
    if errors:
        raise CheckoutRefused(errors)
    # Orders placed on other pods than the platform's: their commits don't follow this transaction, so a refusal
    # further down the cart releases them by the stores' own service (all or nothing across servers too).
    placed_elsewhere: list[tuple[Store, int]] = []
    try:
        try:
            with transaction.atomic():
                checkout = MarketplaceCheckout.objects.create(
                    checkout_key=checkout_key,
                    token=secrets.token_urlsafe(32),
                    cart=cart,
                    email=email.strip().lower(),
                    currency=currency,
                    amount=1,  # set below, once every store's order is placed
                    transfer_group=f"mercato-cart-{secrets.token_hex(12)}",
                    language=(translation.get_language() or "")[:16],
                )
                total = 0
                for part in parts:
                    choice = choices.get(part.store_id, StoreChoice())
                    try:
                        placed = bridge.place_order(
                            store=part.store,
                            store_cart_token=part.store_cart_token,
                            checkout_key=f"mkt-{checkout.pk}-{part.store_id}-{checkout_key[:32]}",
                            email=email,
                            address=address,
                            rate_id=choice.rate_id,
                            discount_code=choice.discount_code,
                            expected_total=choice.expected_total,
                            buyer=bridge.MarketplaceBuyer(buyer_id=buyer.pk, email=buyer.email, name=buyer.name)
                            if buyer
                            else None,
                        )
                    except CheckoutError as error:
                        raise CheckoutRefused(
                            {part.store.slug: [f"{part.store.name}: {message}" for message in error.messages]}
                        ) from error
                    if not bridge.shares_the_platform_transaction(part.store):
                        placed_elsewhere.append((part.store, placed.order_id))
                    amount = minor_units(placed.total, places)
                    percent = limits.platform_fee_percent(part.store)
                    account = connect.connected_account_for(part.store)
                    StoreOrder.objects.create(
                        checkout=checkout,
                        store=part.store,
                        order_id=placed.order_id,
                        order_token=placed.token,
                        amount=amount,
                        fee_percent=percent,
                        platform_fee=connect.application_fee_amount(amount=amount, percent=percent),
                        destination=account.stripe_account_id if account else "",
                    )
                    total += amount
                    if buyer is not None:
                        # The store keeps a customer record of the buyer now: deleting the account tells it.
                        buyer_services.remember_store(buyer=buyer, store=part.store)
                MarketplaceCheckout.objects.filter(pk=checkout.pk).update(amount=total)
                checkout.amount = total
        except BaseException:
            for store, order_id in placed_elsewhere:
                bridge.release_order(
                    store=store, order_id=order_id, reason=gettext_noop("The cart across stores was refused.")
                )
            raise
    except IntegrityError:
        # The same form sent twice at once: the other request's checkout won the unique key.
        existing = MarketplaceCheckout.objects.filter(checkout_key=checkout_key).first()
        if existing is None:
            raise
        return existing
    return checkout
