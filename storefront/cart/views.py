"""The buyer's cart pages: add from a product page, change quantities, remove; no JavaScript needed."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from platform.kit.money import currency_decimals
from storefront.pricing import Line, LineBundle, compute_totals, free_shipping_rule
from storefront.promotions.selectors import cart_promotions
from storefront.themes.rendering import render_themed
from storefront.themes.selectors import store_currency

from . import selectors, services
from .session import current_cart, remember_cart


def _quantity(value: str | None, *, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return None


def _same_origin(request: HttpRequest) -> bool:
    """Whether a POST came from this store's own pages, judged by the Origin (or Referer) the browser sent."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True  # old browsers and privacy tools drop both; see add_to_cart for why that is acceptable
    return url_has_allowed_host_and_scheme(source, allowed_hosts={request.get_host()}, require_https=False)


# The product page is served from the anonymous page cache, so it cannot carry a per-visitor CSRF token. Adding to a
# cart is safe without one: the session cookie is SameSite=Lax, so a cross-site POST arrives without the buyer's
# session and can only fill a new, empty cart of the attacker's own; Origin/Referer from another site is refused too.
@csrf_exempt
@require_POST
def add_to_cart(request: HttpRequest) -> HttpResponse:
    if not _same_origin(request):
        return HttpResponseForbidden(_("Add to cart from this store's own pages."))
    variant_id, quantity = _quantity(request.POST.get("variant")), _quantity(request.POST.get("quantity"), default=1)
    back = request.POST.get("next") or "/cart/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/cart/"
    if variant_id is None or quantity is None:
        messages.error(request, _("Choose an option and a quantity."))
        return redirect(back)
    try:
        cart = services.add_to_cart(cart=current_cart(request), variant_id=variant_id, quantity=quantity)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    remember_cart(request, cart)
    messages.success(request, _("Added to your cart."))
    return redirect("/cart/")


@require_GET
def cart_page(request: HttpRequest) -> HttpResponse:
    cart = current_cart(request)
    lines = list(selectors.cart_lines(cart))
    currency = store_currency()
    # The same promotions checkout applies, so the cart never shows a subtotal checkout then changes.
    promotions = cart_promotions(
        ((line.variant_id, line.variant.product_id, line.variant.price, line.quantity) for line in lines),
        currency=currency,
    )
    promoted, bundles = promotions.prices, promotions.bundles
    no_bundle = LineBundle(discount=Decimal(0), names=(), free_units=0)
    totals = compute_totals(
        lines=[
            Line(
                promoted[line.variant_id].unit_price,
                line.quantity,
                discount=bundles.get(line.variant_id, no_bundle).discount,
            )
            for line in lines
        ],
        places=currency_decimals(currency),
        rate=None,
        discount=None,
        tax_rate=Decimal(0),
        prices_include_tax=False,
    )
    rows = [
        (line, total, promoted[line.variant_id], bundles.get(line.variant_id))
        for line, total in zip(lines, totals.line_totals, strict=True)
    ]
    next_free_shipping = next((rule for rule in promotions.free_shipping if rule.min_subtotal > totals.subtotal), None)
    context = {
        "rows": rows,
        "subtotal": totals.subtotal,
        "title": "Your cart",
        # Shipping is chosen at checkout; the cart says whether a free-shipping promotion covers it, or how near.
        "free_shipping": free_shipping_rule(promotions.free_shipping, subtotal=totals.subtotal) if lines else None,
        "next_free_shipping": next_free_shipping,
        "free_shipping_to_go": next_free_shipping.min_subtotal - totals.subtotal if next_free_shipping else None,
    }
    return render_themed(request, "cart.html", context)


@require_POST
def update_line(request: HttpRequest, line_id: int) -> HttpResponse:
    cart = current_cart(request)
    quantity = _quantity(request.POST.get("quantity"))
    if cart is None or quantity is None or quantity < 0:
        messages.error(request, _("Enter a quantity of 0 or more."))
        return redirect("/cart/")
    try:
        services.set_line_quantity(cart=cart, line_id=line_id, quantity=quantity)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your cart was updated.") if quantity else _("Removed from your cart."))
    return redirect("/cart/")


@require_POST
def remove_line(request: HttpRequest, line_id: int) -> HttpResponse:
    cart = current_cart(request)
    if cart is not None:
        services.remove_line(cart=cart, line_id=line_id)
        messages.success(request, _("Removed from your cart."))
    return redirect("/cart/")
