"""The store's contact form, /contact/: rate limited per IP, with a honeypot; never served from the page cache."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from platform.kit import ratelimit
from storefront.themes.models import CONTACT_PAGE_SLUG
from storefront.themes.rendering import render_themed
from storefront.themes.selectors import published_page
from tenants.request_types import StoreRequest

from . import services
from .models import MAX_MESSAGE

HONEYPOT = "website"
FIELDS = ("name", "email", "subject", "message")
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 3600


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
