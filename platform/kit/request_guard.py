"""Refuses, before any view runs, requests whose input cannot be read or stored, with a 400 or 413 that says why.

Two kinds of input would otherwise end in a server error far from where they came in: text holding a NUL
character, which PostgreSQL cannot store or even compare, and request bodies Django cannot parse (too many fields
or files, too large, a broken multipart body). Both are answered here, as JSON on the store API (``/api/…`` and
``….json`` addresses) and as a page everywhere else.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

NUL = "\x00"
# Django's own errors while it reads a request's query string or body.
PARSING_ERRORS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
BODY_METHODS = ("POST", "PUT", "PATCH")


class Refusal(Exception):
    """Input the application will not take: an HTTP status, a sentence for a person, and the field it concerns."""

    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def parsing_refusal(error: Exception) -> Refusal:
    """The answer to one of Django's ``PARSING_ERRORS``."""
    if isinstance(error, RequestDataTooBig):
        return _too_large()
    if isinstance(error, TooManyFieldsSent):
        return Refusal(400, f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields.")
    if isinstance(error, TooManyFilesSent):
        return Refusal(400, f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} files.")
    return Refusal(400, f"The form data could not be read ({error}); send it as multipart/form-data.")


def _too_large() -> Refusal:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = f"{limit // 2**20} MB" if limit % 2**20 == 0 else f"{limit:,} bytes"
    return Refusal(413, f"The request is larger than the {size} this site accepts (uploaded files apart).")


def nul_refusal(where: str, field: str = "") -> Refusal:
    return Refusal(400, f"{where} contains a NUL character (%00 or \\u0000), which no text here may hold.", field)


def _name(key: str) -> str:
    shown = key.replace(NUL, "%00")
    return shown if len(shown) <= 40 else f"{shown[:40]}…"


def _check_pairs(pairs: Iterable[tuple[str, list]], kind: str) -> None:
    for key, values in pairs:
        if NUL in key:
            raise nul_refusal(f"The name of the {kind} “{_name(key)}”", _name(key))
        for value in values:
            text = value if isinstance(value, str) else getattr(value, "name", "") or ""
            if NUL in text:
                raise nul_refusal(f"The {kind} “{_name(key)}”", _name(key))


def check_request(request: HttpRequest) -> None:
    """Raise ``Refusal`` for a request whose address, query string or form cannot be read or stored."""
    if NUL in request.path_info:
        raise nul_refusal("The address")
    try:
        _check_pairs(request.GET.lists(), "query parameter")
        if request.method not in BODY_METHODS:
            return
        if request.content_type in FORM_TYPES:
            # Django only reads a form body for POST; reading it here turns its parsing errors into answers.
            if request.method == "POST":
                _check_pairs(request.POST.lists(), "field")
                _check_pairs(request.FILES.lists(), "file")
            return
        _check_length(request)
    except PARSING_ERRORS as error:
        raise parsing_refusal(error) from error


def _check_length(request: HttpRequest) -> None:
    # Other bodies (JSON) are read whole into memory by the view; Django refuses one past the limit only then.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refusal(400, "The Content-Length header is not a number.") from None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        raise _too_large()


def wants_json(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith("/api/") or path.endswith(".json")


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The refusal as the store API's JSON error, or as a page."""
    if wants_json(request):
        errors = {refusal.field: [refusal.message]} if refusal.field else {}
        return JsonResponse({"detail": refusal.message, "errors": errors}, status=refusal.status)
    return render(request, "bad_request.html", {"message": refusal.message}, status=refusal.status)


class RequestGuardMiddleware:
    """Answers unreadable input itself, so no view, form or query ever sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except Refusal as refusal:
            return refusal_response(request, refusal)
        return self.get_response(request)
