"""The store API: one NinjaAPI for every store host, mounted at /api/ (OpenAPI at /api/openapi.json).

Which store a request reads is decided by the host before the API sees it (tenants.middleware), so nothing here
takes a store from the request's data. Every error answers JSON: {"detail": "...", "errors": {"field": [...]}}, and
every operation's OpenAPI entry lists the error statuses it can answer, those of its view and those of the layers
around it (see ``_document_refusals``).
"""

import json
from collections import deque
from typing import cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.params.models import BodyModel, FileModel, FormModel
from ninja.parser import Parser

from platform.kit.request_guard import NUL, Refusal, nul_refusal, refusal_response
from platform.outages import DEPENDENCY_ERRORS, unavailable_response

from .auth import require_scopes
from .checkout import router as checkout_router
from .orders import router as seller_orders_router
from .public import router as public_router
from .schemas import ErrorOut
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
    A body that is not JSON, or whose text could not be stored (a NUL character, a lone surrogate), is refused
    here with a ``Refusal`` naming the field; ninja wraps whatever this raises in its own 400, and the
    ``http_error`` handler below answers with the refusal's own words.
    """

    def parse_body(self, request: HttpRequest) -> dict:
        try:
            data = json.loads(request.body, parse_float=str, parse_constant=str)
        except UnicodeDecodeError:
            raise Refusal(400, "The body is not UTF-8 text; send JSON encoded as UTF-8.") from None
        except (ValueError, RecursionError) as error:
            raise Refusal(400, f"The body is not valid JSON ({error}).") from None
        _check_text(data)
        return data


def _check_text(data: object) -> None:
    """Refuse text PostgreSQL cannot hold anywhere in a parsed JSON body, naming the field as errors do."""
    # Breadth first, in the body's own order: the first field named is the first one a person would look at.
    pending: deque[tuple[object, str]] = deque([(data, "")])
    while pending:
        value, where = pending.popleft()
        if isinstance(value, dict):
            for key, item in value.items():
                pending.append((key, where or "__all__"))
                pending.append((item, f"{where}.{key}" if where else str(key)))
        elif isinstance(value, list):
            pending.extend((item, f"{where}.{index}" if where else str(index)) for index, item in enumerate(value))
        elif isinstance(value, str):
            field = where or "__all__"
            if NUL in value:
                raise nul_refusal(f"The field “{field}”", field)
            try:
                value.encode()
            except UnicodeEncodeError:
                message = f"The field “{field}” holds a character that is not valid Unicode (a lone surrogate)."
                raise Refusal(400, message, field) from None


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


def _document_refusals(*routers: Router) -> None:
    """Declare on every operation the errors that come from around its view rather than from it.

    400: the request guard (platform/kit/request_guard.py) and the body parser refuse NUL characters and unreadable
    bodies on any operation. 413: a body over the size limit, on operations that read one. 414: an address longer
    than the web server in front takes, which that server answers itself (so no body is promised). 422: a
    parameter or body that does not fit its schema, on operations that take any. Runs before the API binds its
    routers.
    """
    for router in routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                answers = {400: ErrorOut, 414: None}
                if any(issubclass(model, BodyModel | FormModel | FileModel) for model in operation.models):
                    answers[413] = ErrorOut
                if operation.models:
                    answers[422] = ErrorOut
                for status, schema in answers.items():
                    operation.response_models.setdefault(status, operation._create_response_model(schema))


_document_refusals(public_router, checkout_router, seller_router, seller_orders_router)


def _error(request: HttpRequest, status: int, detail: str, errors: dict | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


def _dependency_unavailable(request: HttpRequest, exc: Exception | type[Exception]) -> HttpResponse:
    # Registered for each error class: ninja would otherwise answer them itself, with a traceback under DEBUG.
    # ninja's signature allows a class; it always passes the raised instance.
    return unavailable_response(request, exc if isinstance(exc, BaseException) else exc())


for _dependency_error in DEPENDENCY_ERRORS:
    api.add_exception_handler(cast(type[Exception], _dependency_error), _dependency_unavailable)


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
    if isinstance(exc.__cause__, Refusal):
        # The body parser's own refusal, which ninja wrapped in a 400 saying only "Cannot parse request body".
        return refusal_response(request, exc.__cause__)
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found in this store.")
