"""The buyer's review form, posted from their order page; the secret order link is what proves who they are."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from platform.kit import ratelimit
from platform.kit.ids import parse_id
from storefront.orders import selectors as order_selectors
from storefront.themes.rendering import render_themed

from . import selectors, services
from .reputation import HANDLING_DAYS

# Reviews one buyer (by order email) or one IP address may post per hour in this store; the cache keys carry the
# store's schema, so each store counts its own.
REVIEWS_PER_HOUR = 10
RATE_LIMIT_MESSAGE = "You have posted several reviews in the last hour. Please try again later."

# Writing twice, or before the order was sent, conflicts with the order's state; anything else is a bad form.
_STATUS_BY_CODE = {"duplicate": 409, "not_fulfilled": 409, "blocked": 403, "rate_limited": 429}


@require_POST
def submit(request: HttpRequest, token: str) -> HttpResponse:
    order = order_selectors.order_by_token(token)
    if order is None:
        raise Http404("No such order.")
    product_id = request.POST.get("product", "")
    try:
        if not _may_post(request, email=order.email):
            raise ValidationError(RATE_LIMIT_MESSAGE, code="rate_limited")
        if parse_id(product_id) is None:
            raise ValidationError(gettext("This product is not part of this order."), code="not_in_order")
        services.submit_review(
            order=order,
            product_id=int(product_id),
            rating=request.POST.get("rating", ""),
            body=request.POST.get("body", ""),
        )
    except ValidationError as error:
        context = {
            "order": order_selectors.order_with_details(order.pk),
            "title": _("Order #%(number)s") % {"number": order.pk},
            "review_error": " ".join(error.messages),
            "review_draft": {"product": product_id, "body": request.POST.get("body", "")[:5000]},
        }
        return render_themed(request, "order.html", context, status=_STATUS_BY_CODE.get(error.code or "", 400))
    return redirect(f"/orders/{order.token}/#reviews")


def _may_post(request: HttpRequest, *, email: str) -> bool:
    """Counts the attempt against both the buyer and the address; either over its limit refuses it."""
    by_buyer = ratelimit.allow(f"reviews:buyer:{email.strip().lower()}", limit=REVIEWS_PER_HOUR, window_seconds=3600)
    by_ip = ratelimit.allow(f"reviews:ip:{ratelimit.client_ip(request)}", limit=REVIEWS_PER_HOUR, window_seconds=3600)
    return by_buyer and by_ip


@require_GET
def reputation_page(request: HttpRequest) -> HttpResponse:
    """The store's reputation figures and what each is computed from."""
    context = {
        "title": "Reputation",
        "figures": selectors.kept_figures(),
        "window_days": selectors.WINDOW_DAYS,
        "handling_days": HANDLING_DAYS,
    }
    return render_themed(request, "reputation.html", context)
