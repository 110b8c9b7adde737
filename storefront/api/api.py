"""The store API: one NinjaAPI for every store host, mounted at /api/ (OpenAPI at /api/openapi.json).

Which store a request reads is decided by the host before the API sees it (tenants.middleware), so nothing here
takes a store from the request's data. Every error answers JSON: {"detail": "...", "errors": {"field": [...]}}.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser

from .auth import require_scopes
from .checkout import router as checkout_router
from .orders import router as seller_orders_router
from .public import router as public_router
from .scopes import CATALOG_READ, CATALOG_WRITE, ORDERS_READ, ORDERS_WRITE
from .seller import router as seller_router

# Where ninja says a request value came from; the first part of each error location.
SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
# The names our views give their body argument; not a field the client sent.
BODY_ARGUMENTS = {"payload"}


class DecimalJSONParser(Parser):
    """Parse JSON numbers with a fraction or exponent as their text, never as float.

    Money fields then read 19.99 exactly as the client wrote it, through the one money parser: the rules for
    "12.50" sent as a string and 12.50 sent as a number are the same, and 1e2 or 12.500 is refused in both
    forms. Whole numbers stay int; NaN and Infinity arrive as their names and are refused by the field.
    """

    def parse_body(self, request: HttpRequest) -> dict:
        return json.loads(request.body, parse_float=str, parse_constant=str)


api = NinjaAPI(
    title="Mercato store API",
    version="1",
    description="Read a store's catalog and check out; with a seller API token (Authorization: Bearer mct_…), "
    "change the catalog and handle orders, as far as the token's scopes allow (each endpoint names its scope).",
    urls_namespace="store-api",
    parser=DecimalJSONParser(),
)
api.add_router("/", public_router)
api.add_router("/", checkout_router)
api.add_router("/seller/", seller_router)
api.add_router("/seller/", seller_orders_router)
# Every seller endpoint's token scope is decided here, in one place (exceptions in scopes.SCOPE_OVERRIDES).
require_scopes(seller_router, prefix="/seller/", read=CATALOG_READ, write=CATALOG_WRITE)
require_scopes(seller_orders_router, prefix="/seller/", read=ORDERS_READ, write=ORDERS_WRITE)


def _error(request: HttpRequest, status: int, detail: str, errors: dict | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(RequestValidationError)
def invalid_request(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", ())]
        if location and location[0] in SOURCES:
            location = location[1:]
        if location and location[0] in BODY_ARGUMENTS:
            location = location[1:]
        errors.setdefault(".".join(location) or "__all__", []).append(item.get("msg", "Not valid."))
    return _error(request, 422, "The request is not valid; see errors.", errors)


@api.exception_handler(DjangoValidationError)
def invalid_data(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 422, "The data is not valid; see errors.", errors)


@api.exception_handler(IntegrityError)
def conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Validation runs before every write; this is a concurrent request that took the same SKU or slug first.
    return _error(request, 409, "Another change got there first (a SKU or slug already taken); try again.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, "Send a valid API token of this store: Authorization: Bearer mct_…")
    response["WWW-Authenticate"] = 'Bearer realm="store API"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found in this store.")
