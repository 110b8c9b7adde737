"""The seller's review page in the dashboard: every review, hidden or not, with a hide/unhide button."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from storefront.seller_access import require_role
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import selectors, services

_FILTERS = {"visible": False, "hidden": True}


@require_role(Role.MANAGER)
def review_list(request: DashboardRequest) -> HttpResponse:
    shown = request.GET.get("show", "")
    context = {
        "membership": request.membership,
        "reviews": selectors.reviews(hidden=_FILTERS.get(shown))[:200],
        "show": shown if shown in _FILTERS else "",
        "rating": selectors.store_rating(),
    }
    return render(request, "dashboard/reviews.html", context)


@require_role(Role.MANAGER)
@require_POST
def review_visibility(request: DashboardRequest, review_id: str) -> HttpResponse:
    # A str segment, checked here, so the role check runs before anything about the URL is judged.
    review = selectors.review_by_id(review_id)
    if review is None:
        raise Http404("No such review.")
    hidden = request.POST.get("hidden") == "1"
    services.set_review_hidden(review=review, hidden=hidden)
    messages.success(request, f"The review of {review.product.title} is {'hidden' if hidden else 'shown again'}.")
    return redirect("/dashboard/reviews/")
