"""The seller's review pages in the dashboard: reviews (hide, report), the reputation's events, blocked buyers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from platform.kit.ids import parse_id
from storefront.customers import selectors as customer_selectors
from storefront.customers import services as customer_services
from storefront.seller_access import require_role
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import reputation, selectors, services

_FILTERS = {"visible": False, "hidden": True}


@require_role(Role.MANAGER)
def review_list(request: DashboardRequest) -> HttpResponse:
    shown = request.GET.get("show", "")
    context = {
        "membership": request.membership,
        "reviews": selectors.reviews(hidden=_FILTERS.get(shown))[:200],
        "open_reports": selectors.open_report_review_ids(),
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
    message = _("The review of %(product)s is hidden.") if hidden else _("The review of %(product)s is shown again.")
    messages.success(request, message % {"product": review.product.title})
    return redirect("/dashboard/reviews/")


@require_role(Role.MANAGER)
@require_POST
def review_report(request: DashboardRequest, review_id: str) -> HttpResponse:
    review = selectors.review_by_id(review_id)
    if review is None:
        raise Http404("No such review.")
    try:
        services.report_review(review=review, reason=request.POST.get("reason", ""), actor=request.user.email)
    except ValidationError as error:
        context = {
            "membership": request.membership,
            "reviews": selectors.reviews()[:200],
            "open_reports": selectors.open_report_review_ids(),
            "show": "",
            "rating": selectors.store_rating(),
            "report_error": " ".join(error.messages),
            "report_review_id": review.pk,
        }
        status = 409 if error.code == "duplicate" else 400
        return render(request, "dashboard/reviews.html", context, status=status)
    messages.success(
        request, _("The review of %(product)s was sent to Mercato's moderators.") % {"product": review.product.title}
    )
    return redirect("/dashboard/reviews/")


@require_role(Role.MANAGER)
def reputation_events(request: DashboardRequest) -> HttpResponse:
    context = {
        "membership": request.membership,
        "events": reputation.reputation_events(),
        "figures": reputation.compute_figures(),
        "window_days": reputation.WINDOW_DAYS,
        "handling_days": reputation.HANDLING_DAYS,
    }
    return render(request, "dashboard/reputation.html", context)


@require_role(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def blocked_buyers(request: DashboardRequest) -> HttpResponse:
    values = {"email": request.POST.get("email", ""), "reason": request.POST.get("reason", "")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            blocked = customer_services.block_buyer(**values, actor=request.user.email)
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(
                request, _("%(email)s can no longer review or message this store.") % {"email": blocked.email}
            )
            return redirect("/dashboard/blocked-buyers/")
    context = {
        "membership": request.membership,
        "blocked": customer_selectors.blocked_buyers()[:500],
        "values": values,
        "errors": errors,
    }
    return render(request, "dashboard/blocked_buyers.html", context, status=400 if errors else 200)


@require_role(Role.MANAGER)
@require_POST
def unblock(request: DashboardRequest, blocked_id: str) -> HttpResponse:
    pk = parse_id(blocked_id)
    if pk is None or not customer_services.unblock_buyer(blocked_id=pk):
        raise Http404("No such blocked buyer.")
    messages.success(request, _("The buyer can review and message this store again."))
    return redirect("/dashboard/blocked-buyers/")
