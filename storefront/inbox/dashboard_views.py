"""The seller's inbox in the dashboard: conversations by latest activity, one thread, answering, marking handled."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from storefront.seller_access import require_role
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import selectors, services
from .models import MAX_MESSAGE, Conversation


def _conversation(conversation_id: str) -> Conversation:
    # A str segment, checked here, so the role check runs before anything about the URL is judged.
    found = selectors.conversation_by_id(conversation_id)
    if found is None:
        raise Http404("No such conversation.")
    return found


@require_role(Role.STAFF)
def inbox(request: DashboardRequest) -> HttpResponse:
    unhandled_only = request.GET.get("show") == "open"
    context = {
        "membership": request.membership,
        "conversations": selectors.conversations(unhandled_only=unhandled_only)[:200],
        "unhandled_only": unhandled_only,
    }
    return render(request, "dashboard/inbox.html", context)


def _thread_page(
    request: DashboardRequest, conversation: Conversation, *, answer: str = "", errors: dict | None = None
) -> HttpResponse:
    context = {
        "membership": request.membership,
        "conversation": conversation,
        "thread": selectors.thread(conversation),
        "answer": answer,
        "errors": errors or {},
        "max_message": MAX_MESSAGE,
    }
    return render(request, "dashboard/inbox_conversation.html", context, status=400 if errors else 200)


@require_role(Role.STAFF)
def conversation_detail(request: DashboardRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation(conversation_id)
    services.mark_read(conversation=conversation)
    return _thread_page(request, conversation)


@require_role(Role.STAFF)
@require_POST
def conversation_reply(request: DashboardRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation(conversation_id)
    answer = request.POST.get("message", "")
    try:
        services.reply_as_seller(
            conversation=conversation,
            message=answer,
            actor=request.user.email,
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except ValidationError as error:
        return _thread_page(request, conversation, answer=answer, errors=error.message_dict)
    flash.success(request, _("Answer sent to %(email)s.") % {"email": conversation.email})
    return redirect(f"/dashboard/inbox/{conversation.pk}/")


@require_role(Role.STAFF)
@require_POST
def conversation_handled(request: DashboardRequest, conversation_id: str) -> HttpResponse:
    handled = request.POST.get("handled", "1") == "1"
    conversation = services.set_conversation_handled(
        conversation=_conversation(conversation_id), handled=handled, actor=request.user.email
    )
    flash.success(request, _("Marked handled.") if handled else _("Marked not handled."))
    return redirect(f"/dashboard/inbox/{conversation.pk}/")
