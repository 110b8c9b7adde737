"""The seller's inbox in the dashboard: messages newest first, one message, and marking it handled."""

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from storefront.seller_access import require_role
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import selectors, services
from .models import ContactMessage


def _message(message_id: str) -> ContactMessage:
    # A str segment, checked here, so the role check runs before anything about the URL is judged.
    found = selectors.message_by_id(message_id)
    if found is None:
        raise Http404("No such message.")
    return found


@require_role(Role.STAFF)
def inbox(request: DashboardRequest) -> HttpResponse:
    unhandled_only = request.GET.get("show") == "open"
    context = {
        "membership": request.membership,
        "contact_messages": selectors.messages(unhandled_only=unhandled_only)[:200],
        "unhandled_only": unhandled_only,
    }
    return render(request, "dashboard/inbox.html", context)


@require_role(Role.STAFF)
def message_detail(request: DashboardRequest, message_id: str) -> HttpResponse:
    context = {"membership": request.membership, "contact_message": _message(message_id)}
    return render(request, "dashboard/inbox_message.html", context)


@require_role(Role.STAFF)
@require_POST
def message_handled(request: DashboardRequest, message_id: str) -> HttpResponse:
    handled = request.POST.get("handled", "1") == "1"
    message = services.set_message_handled(message=_message(message_id), handled=handled, actor=request.user.email)
    flash.success(request, "Marked handled." if handled else "Marked not handled.")
    return redirect(f"/dashboard/inbox/{message.pk}/")
