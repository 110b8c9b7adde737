"""The platform site's cart across stores: add (from the directory or a store's page), the cart page, payment."""

import logging
import secrets
from decimal import Decimal, InvalidOperation

import stripe
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platform.buyers import selectors as buyer_selectors
from platform.buyers.models import Buyer
from platform.buyers.session import current_buyer
from platform.kit import ratelimit
from platform.kit.ids import parse_id
from platform.kit.listing_refs import read_listing_reference
from tenants.models import Store

from . import bridge, payments, selectors, services
from .bridge import Address
from .models import MarketplaceCart

logger = logging.getLogger(__name__)

SESSION_KEY = "marketplace_cart"
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "district", "phone")


def _current_cart(request: HttpRequest) -> MarketplaceCart | None:
    """A signed-in buyer's own cart (on any session or device); a visitor's cart by its session's token.

    A visitor's cart is merged into the buyer's at sign-in (``claim_cart_at_sign_in``); a token still in a signed-in
    session (one signed in before that hook existed) is merged here the same way.
    """
    buyer = current_buyer(request)
    if buyer is None:
        return selectors.cart_by_token(request.session.get(SESSION_KEY))
    if request.session.get(SESSION_KEY):
        return claim_cart_at_sign_in(request, buyer)
    return selectors.cart_of_buyer(buyer.pk)


def claim_cart_at_sign_in(request: HttpRequest, buyer: Buyer) -> MarketplaceCart | None:
    """Merge the cart this session filled before the sign-in into the buyer's own, and drop its token from the
    session; returns the buyer's cart. Registered with the buyers app's sign-in (``MarketplaceConfig.ready``)."""
    visitor_cart = selectors.cart_by_token(request.session.pop(SESSION_KEY, None))
    if visitor_cart is None:
        return selectors.cart_of_buyer(buyer.pk)
    cart, left_out = services.claim_cart(buyer_id=buyer.pk, visitor_cart=visitor_cart)
    if left_out:
        messages.warning(
            request, gettext("Not added to your cart, for lack of stock: %(items)s.") % {"items": ", ".join(left_out)}
        )
    return cart


def _buyer_id(request: HttpRequest) -> int | None:
    buyer = current_buyer(request)
    return buyer.pk if buyer else None


def _quantity(value: str | None) -> int | None:
    quantity = parse_id(value if value not in (None, "") else "1")
    return quantity if quantity is not None and quantity <= 999 else None


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    """Add a line: ``ref`` (a store page's signed reference) or ``store`` and ``product`` (a directory listing).

    A store's page links here with a GET (its reference in the query string), which only shows what would be
    added, with a button posting it back from this site: a POST from a store's host would arrive without the
    buyer's platform session cookie when the two hosts are different sites (a custom domain; SameSite=Lax), and
    would start a new cart instead. The POST is the platform site's own form, with its CSRF token.
    """
    if request.method == "GET":
        return _confirm_add(request)
    quantity = _quantity(request.POST.get("quantity"))
    if quantity is None:
        return _refused(request, gettext("Choose a quantity from 1 to 999."), status=400)
    cart = _current_cart(request)
    try:
        if "ref" in request.POST:
            reference = read_listing_reference(request.POST["ref"])
            if reference is None:
                return _refused(request, str(BAD_REFERENCE), status=400)
            cart = services.add_to_marketplace_cart(
                cart=cart,
                store_id=reference.store_id,
                product_id=reference.product_id,
                variant_id=reference.variant_id,
                quantity=quantity,
                buyer_id=_buyer_id(request),
            )
        else:
            store_id, product_id = parse_id(request.POST.get("store")), parse_id(request.POST.get("product"))
            if store_id is None or product_id is None:
                return _refused(request, gettext("Choose a product from the directory to add."), status=400)
            cart = services.add_listing(
                cart=cart, store_id=store_id, product_id=product_id, quantity=quantity, buyer_id=_buyer_id(request)
            )
    except ValidationError as error:
        return _refused(request, " ".join(error.messages), status=409)
    if cart.buyer_id is None:
        # A buyer's cart is found by the account, never by a token a signed-out session could keep.
        request.session[SESSION_KEY] = cart.token
    messages.success(request, gettext("Added to your cart."))
    return redirect("/cart/")


BAD_REFERENCE = gettext_lazy("This link to a product is not valid; add it again from the store's page.")


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "platform/marketplace_refused.html", {"message": message}, status=status)


def _confirm_add(request: HttpRequest) -> HttpResponse:
    reference = read_listing_reference(request.GET.get("ref", ""))
    quantity = _quantity(request.GET.get("quantity"))
    if reference is None or quantity is None:
        return _refused(request, str(BAD_REFERENCE), status=400)
    store = Store.objects.filter(pk=reference.store_id).first()
    refusal = selectors.join_refusal(store)
    if refusal or store is None:
        return _refused(request, refusal or gettext("This store is closed."), status=409)
    title = bridge.product_title(store=store, product_id=reference.product_id, variant_id=reference.variant_id)
    if title is None:
        return _refused(request, gettext("This product is not for sale."), status=409)
    context = {"ref": request.GET["ref"], "quantity": quantity, "store": store, "title": title}
    return render(request, "platform/marketplace_add.html", context)


def _choices(data: dict) -> dict[int, services.StoreChoice]:
    """The buyer's shipping rate, discount code and seen total per store id, from the cart form's fields."""
    choices: dict[int, services.StoreChoice] = {}
    for key, value in data.items():
        if key.startswith("rate_") and (store_id := parse_id(key[5:])) is not None:
            rate_id = parse_id(value)
            code = str(data.get(f"code_{store_id}", ""))[:40]
            expected = None
            try:
                raw = data.get(f"total_{store_id}")
                expected = Decimal(raw) if raw else None
            except InvalidOperation:
                expected = None
            choices[store_id] = services.StoreChoice(rate_id=rate_id, discount_code=code, expected_total=expected)
    return choices


def _saved_address(buyer: Buyer | None, data: dict) -> tuple[dict[str, str], str | None]:
    """The form's address fields from the buyer's saved address: the one chosen (``?address=<id>``), else the
    default when the form has no address yet; with why a choice was refused (not one of the buyer's own)."""
    if buyer is None:
        return {}, None
    chosen = data.get("address")
    if chosen:
        saved = buyer_selectors.address_of(buyer, parse_id(str(chosen)))
        if saved is None:
            return {}, gettext("That address is not in your account.")
    elif any(data.get(name) for name in ADDRESS_FIELDS):
        return {}, None
    else:
        saved = buyer_selectors.default_address(buyer)
        if saved is None:
            return {}, None
    return {name: getattr(saved, name) for name in ADDRESS_FIELDS}, None


@require_http_methods(["GET", "POST"])
def cart_page(request: HttpRequest) -> HttpResponse:
    cart = _current_cart(request)
    buyer = current_buyer(request)
    data = dict((request.POST if request.method == "POST" else request.GET).items())
    # Only the page as shown is filled in: a form sent back is what the buyer chose, empty fields included.
    filled, refusal = _saved_address(buyer, data) if request.method == "GET" else ({}, None)
    data.update(filled)
    if buyer is not None and not data.get("email"):
        data["email"] = buyer.email  # the account's address gets the stores' order emails unless another is typed
    country = str(data.get("country", "")).strip().upper()[:2]
    choices = _choices(data)
    errors: dict[str, list[str]] = {"__all__": [refusal]} if refusal else {}
    status = 400 if refusal else 200
    if request.method == "POST" and data.get("action") == "pay" and cart is not None:
        address = Address(**{name: str(data.get(name, ""))[:200] for name in ADDRESS_FIELDS})
        try:
            checkout = services.start_checkout(
                cart=cart,
                checkout_key=str(data.get("checkout_key", ""))[:64] or secrets.token_urlsafe(24),
                email=str(data.get("email", ""))[:254],
                address=address,
                choices=choices,
                client_ip=ratelimit.client_ip(request),
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            status = 400
        else:
            try:
                url = payments.start_payment(checkout=checkout)
            except stripe.StripeError:
                logger.exception("could not start the payment of marketplace checkout %s", checkout.pk)
                # The orders and reservations stand; the same form (same key) resumes this checkout.
                errors = {"__all__": [gettext("Payment could not start just now. Press Pay once again in a moment.")]}
                status = 503
            else:
                return redirect(url or f"/cart/checkout/{checkout.token}/")
    view = selectors.cart_view(
        cart,
        country=country,
        choices={store_id: (choice.rate_id, choice.discount_code) for store_id, choice in choices.items()},
    )
    context = {
        "view": view,
        "errors": errors,
        "form": {name: data.get(name, "") for name in (*ADDRESS_FIELDS, "email")},
        "country": country,
        "codes": {store_id: choice.discount_code for store_id, choice in choices.items()},
        "checkout_key": str(data.get("checkout_key", "")) or secrets.token_urlsafe(24),
        "saved_addresses": list(buyer_selectors.addresses_of(buyer)) if buyer else [],
        "chosen_address": parse_id(str(data.get("address", ""))),
    }
    return render(request, "platform/marketplace_cart.html", context, status=status)


@require_POST
def line(request: HttpRequest) -> HttpResponse:
    """Change a line's quantity (0 removes it)."""
    cart = _current_cart(request)
    store_id, line_id = parse_id(request.POST.get("store")), parse_id(request.POST.get("line"))
    quantity_text = request.POST.get("quantity", "")
    quantity = 0 if quantity_text == "0" else _quantity(quantity_text)
    if cart is None or store_id is None or line_id is None or quantity is None:
        messages.error(request, gettext("That item is no longer in your cart."))
        return redirect("/cart/")
    try:
        services.set_line_quantity(cart=cart, store_id=store_id, line_id=line_id, quantity=quantity)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("/cart/")


@require_GET
def checkout_page(request: HttpRequest, token: str) -> HttpResponse:
    """The checkout after Stripe's page: Stripe is asked (never the query string), then each store's order."""
    checkout = selectors.checkout_by_token(token)
    if checkout is None:
        raise Http404(gettext("No such checkout."))
    checkout = payments.confirm_payment(checkout=checkout)
    orders = [
        (order, f"{bridge.store_site_url(order.selling_store())}/orders/{order.order_token}/")
        for order in checkout.orders.select_related("store", "checkout").filter(store__isnull=False)
    ]
    return render(request, "platform/marketplace_checkout.html", {"checkout": checkout, "orders": orders})
