"""The store's contact form, /contact/, and a buyer's conversation opened by its emailed link; never cached.

Both are rate limited per IP; the form also has a honeypot.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from platform.kit import ratelimit
from storefront.themes.models import CONTACT_PAGE_SLUG
from storefront.themes.rendering import render_themed
from storefront.themes.selectors import published_page
from tenants.request_types import StoreRequest

from . import links, selectors, services
from .models import MAX_MESSAGE

HONEYPOT = "website"
FIELDS = ("name", "email", "subject", "message")
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 3600
# Answers through a conversation's link: per IP, and per conversation whoever sends them.
REPLY_RATE_LIMIT = 10
REPLY_RATE_LIMIT_PER_CONVERSATION = 30


@require_http_methods(["GET", "POST"])
def contact(request: StoreRequest) -> HttpResponse:
    # Not wrapped in cached_store_page: the form carries this visitor's CSRF token.
    values = {field: request.POST.get(field, "") for field in FIELDS}
    context = {
        "title": "Contact",
        "values": values,
        "errors": {},
        "max_message": MAX_MESSAGE,
        "honeypot": HONEYPOT,
        # The seller's Contact page (opening hours, a phone number…) introduces the form.
        "intro": published_page(CONTACT_PAGE_SLUG),
    }
    if request.method == "GET":
        return render_themed(request, "contact.html", context)
    ip = ratelimit.client_ip(request)
    if not ratelimit.allow(f"contact:ip:{ip}", limit=RATE_LIMIT, window_seconds=RATE_WINDOW_SECONDS):
        context["form_error"] = "You have sent several messages in the last hour. Please try again later."
        return render_themed(request, "contact.html", context, status=429)
    if request.POST.get(HONEYPOT, ""):
        # A bot filled the hidden field: it sees the usual thanks, and nothing is stored or sent.
        return redirect("storefront-contact-thanks")
    try:
        services.receive_contact_message(
            store=request.store,
            ip_address=None if ip == "unknown" else ip,
            site_url=request.build_absolute_uri("/").rstrip("/"),
            **values,
        )
    except ValidationError as error:
        context["errors"] = error.message_dict
        return render_themed(request, "contact.html", context, status=400)
    return redirect("storefront-contact-thanks")


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render_themed(request, "contact_thanks.html", {"title": "Thank you"})


def _conversation_page(request: StoreRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render_themed(request, "conversation.html", {"title": "Your conversation", **context}, status=status)
    # The address is the buyer's key to the thread: no shared cache keeps the page, no other site learns it
    # ("same-origin", not "no-referrer": the answer form's POST must still carry its origin for the CSRF check).
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def conversation(request: StoreRequest, token: str) -> HttpResponse:
    """The buyer's thread with the store, and their answer; the link names this store, so it opens nothing elsewhere."""
    try:
        found = links.conversation_for_token(token, store_id=request.store.pk)
    except links.LinkRefused as refused:
        return _conversation_page(request, {"refused": refused.message}, status=refused.status)
    context = {
        "conversation": found,
        "thread": selectors.thread(found),
        "values": {"message": ""},
        "errors": {},
        "max_message": MAX_MESSAGE,
        "sent": request.GET.get("sent") == "1",
    }
    if request.method == "GET":
        return _conversation_page(request, context)
    text = request.POST.get("message", "")
    context["values"] = {"message": text}
    ip = ratelimit.client_ip(request)
    allowed = ratelimit.allow(
        f"conversation:ip:{ip}", limit=REPLY_RATE_LIMIT, window_seconds=RATE_WINDOW_SECONDS
    ) and ratelimit.allow(
        f"conversation:{found.pk}", limit=REPLY_RATE_LIMIT_PER_CONVERSATION, window_seconds=RATE_WINDOW_SECONDS
    )
    if not allowed:
        context["form_error"] = "You have sent several messages in the last hour. Please try again later."
        return _conversation_page(request, context, status=429)
    try:
        services.reply_as_buyer(
            store=request.store,
            conversation=found,
            message=text,
            ip_address=None if ip == "unknown" else ip,
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except ValidationError as error:
        context["errors"] = error.message_dict
        return _conversation_page(request, context, status=400)
    return redirect(f"{request.path}?sent=1")
