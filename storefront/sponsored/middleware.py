"""Takes a sponsored click's order reference off a store's address, keeps it in a cookie, and redirects."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from platform.directory.sponsored import (
    ATTRIBUTION_DAYS,
    ORDER_REFERENCE_COOKIE,
    ORDER_REFERENCE_PARAMETER,
    read_order_reference,
)


class SponsoredReferenceMiddleware:
    """Runs before the page cache: the page behind the redirect is the plain, cacheable one.

    A cookie (not the session) keeps the reference, so the buyer's next pages are still served from the cache and
    nothing is written to the database. A reference signed for another store, forged or expired, is dropped
    with the same redirect and sets nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        store = getattr(request, "store", None)
        if store is None or request.method not in ("GET", "HEAD") or ORDER_REFERENCE_PARAMETER not in request.GET:
            return self.get_response(request)
        value = request.GET.get(ORDER_REFERENCE_PARAMETER, "")
        rest = request.GET.copy()
        rest.pop(ORDER_REFERENCE_PARAMETER, None)
        response = HttpResponseRedirect(request.path + (f"?{urlencode(rest, doseq=True)}" if rest else ""))
        response["Cache-Control"] = "private, no-store"
        if read_order_reference(value, store_id=store.pk) is not None:
            response.set_cookie(
                ORDER_REFERENCE_COOKIE, value, max_age=ATTRIBUTION_DAYS * 86400, httponly=True, samesite="Lax",
                secure=request.is_secure(),
            )  # fmt: skip
        return response
