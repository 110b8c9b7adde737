"""The checkout page: review the cart, give an address, pick shipping, apply a code, then pay on Stripe."""

import secrets
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform.directory.sponsored import ORDER_REFERENCE_COOKIE, read_order_reference
from platform.kit.ratelimit import client_ip
from storefront.cart.services import refresh_cart
from storefront.cart.session import current_cart
from storefront.customers.session import current_customer
from storefront.orders.selectors import order_by_token
from storefront.themes.rendering import render_themed
from storefront.themes.selectors import store_currency
from tenants.request_types import StoreRequest

from . import selectors, services
from .complete_checkout import (
    CheckoutNotCompleted,
    PaymentNotStarted,
    TooManyNewOrders,
    complete_checkout,
    resume_payment,
)
from .forms import CheckoutForm


def _selection(data: dict) -> tuple[str, str, str]:
    return (
        (data.get("country") or "").upper(),
        str(data.get("shipping_rate") or ""),
        (data.get("discount_code") or "").strip().upper(),
    )


def _expected_total(quoted: str, selection: tuple[str, str, str]) -> Decimal | None:
    """The total the buyer was shown for this very selection, or None when they have not seen one."""
    parts = quoted.split("|")
    if len(parts) != 4 or tuple(parts[:3]) != selection:
        return None
    try:
        return Decimal(parts[3])
    except InvalidOperation:
        return None


def checkout(request: StoreRequest) -> HttpResponse:
    cart = current_cart(request)
    currency = store_currency()
    settings = selectors.checkout_settings()
    customer = current_customer(request)
    countries = selectors.shipping_countries()
    # A store that ships to one country only: it is chosen already, so the page opens with its shipping and total.
    only_country = countries[0] if len(countries) == 1 else ""
    form = CheckoutForm(
        request.POST or None,
        countries=countries,
        initial={
            "checkout_key": secrets.token_urlsafe(24),
            "email": customer.email if customer else "",
            "country": only_country,
        },
    )
    status = 200
    if request.method == "GET":
        for change in refresh_cart(cart=cart, currency=currency) if cart else []:
            messages.warning(request, change)
        data: dict = {"country": only_country}
    else:
        form.is_valid()
        data = form.cleaned_data
    selection = _selection(data)
    offer = services.quote(
        cart=cart,
        currency=currency,
        prices_include_tax=settings.prices_include_tax,
        country=selection[0],
        rate_id=int(selection[1]) if selection[1] else None,
        discount_code=selection[2],
        email=(data.get("email") or "").strip().lower(),
    )
    if request.method == "POST" and request.POST.get("action") == "pay" and cart is not None and "checkout_key" in data:
        expected = _expected_total(data.get("quoted") or "", selection)
        if expected is None:
            messages.info(request, _("Check your total below, then press Pay."))
        else:
            try:
                done = complete_checkout(
                    checkout_key=data["checkout_key"],
                    cart=lambda: cart,
                    email=data.get("email") or "",
                    address=services.Address(
                        name=data.get("name") or "",
                        line1=data.get("line1") or "",
                        line2=data.get("line2") or "",
                        city=data.get("city") or "",
                        region=data.get("region") or "",
                        postal_code=data.get("postal_code") or "",
                        country=selection[0],
                        district=data.get("district") or "",
                        phone=data.get("phone") or "",
                    ),
                    rate_id=int(selection[1]) if selection[1] else None,
                    discount_code=selection[2],
                    expected_total=expected,
                    site_url=f"{request.scheme}://{request.get_host()}",
                    store_name=request.store.name,
                    client_ip=client_ip(request),
                    customer=customer,
                    sponsored_campaign_id=_sponsored_campaign_id(request),
                )
            except TooManyNewOrders as error:
                form.add_error(None, str(error))
                status = 429
            except PaymentNotStarted:
                # The order and its reservation stand; pressing Pay again sends the same key and resumes.
                form.add_error(None, _("Payment could not start just now; please press Pay again."))
                status = 503
            except CheckoutNotCompleted as error:
                for field, errors in error.errors.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
                for change in refresh_cart(cart=cart, currency=currency):
                    messages.warning(request, change)
                status = 400
            else:
                return redirect(done.payment_url or f"/orders/{done.order.token}/")
        offer = services.quote(
            cart=cart,
            currency=currency,
            prices_include_tax=settings.prices_include_tax,
            country=selection[0],
            rate_id=int(selection[1]) if selection[1] else None,
            discount_code=selection[2],
            email=(data.get("email") or "").strip().lower(),
        )
    for field, errors in offer.errors.items() if form.is_bound else ():
        if field in form.fields and field not in form.errors:
            for message in errors:
                form.add_error(field, message)
    quoted = "|".join([selection[0], str(offer.rate.pk) if offer.rate else "", selection[2], str(offer.totals.total)])
    context = {
        "form": form,
        "offer": offer,
        "rows": [
            (line, total, offer.promoted[line.variant_id], offer.bundles.get(line.variant_id))
            for line, total in zip(offer.lines, offer.totals.line_totals, strict=True)
        ],
        "quoted": quoted,
        "checkout_key": data.get("checkout_key") or form.initial["checkout_key"],
        "title": _("Checkout"),
    }
    return render_themed(request, "checkout.html", context, status=status)


def _sponsored_campaign_id(request: StoreRequest) -> int | None:
    """The campaign of this store whose sponsored click brought the buyer (the reference its cookie keeps)."""
    value = request.COOKIES.get(ORDER_REFERENCE_COOKIE, "")
    return read_order_reference(value, store_id=request.store.pk) if value else None


@require_POST
def pay_order(request: StoreRequest, token: str) -> HttpResponse:
    """The order page's "Pay now": back to Stripe's payment page of an order still awaiting payment."""
    order = order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    order_page = f"/orders/{order.token}/"
    try:
        payment_url = resume_payment(order=order, store_name=request.store.name)
    except PaymentNotStarted:
        messages.error(request, _("Payment could not start just now; please press Pay now again in a moment."))
        return redirect(order_page)
    except CheckoutNotCompleted as error:
        messages.error(request, str(error))
        return redirect(order_page)
    if payment_url is None:
        messages.info(request, _("This order no longer awaits payment."))
        return redirect(order_page)
    return redirect(payment_url)
