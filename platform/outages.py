"""A dependency that fails (PostgreSQL, Redis, the task broker, the network to Stripe) answers 503, never 500.

Views and services let these errors rise. ``DependencyOutageMiddleware``, first in MIDDLEWARE, turns them into
a friendly page (JSON under ``/api/`` and for ``.json`` addresses) with a ``Retry-After`` header and no
traceback, even with DEBUG on. An error raised by a view reaches its ``process_exception``. One raised by
another middleware (the routing lookup, a session save) has already been turned into a 500 by Django when it
gets here, so a ``got_request_exception`` receiver notes it on the request and the 500 is replaced.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import kombu.exceptions
import redis.exceptions
import stripe
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

from platform.kit.hosts import platform_url
from platform.kit.resilient_cache import CacheUnavailable

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
DEPENDENCY_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # PostgreSQL refusing connections, gone mid-request, or cancelling a statement
    InterfaceError,  # a connection already closed under us
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,  # the task broker, for code that publishes without platform.celery
    CacheUnavailable,  # a call that must not be answered without Redis (a single-use link)
    stripe.APIConnectionError,  # Stripe's network, where the view does not handle it itself
)
API_MESSAGE = "The service is briefly unavailable; please retry after the number of seconds in Retry-After."
_FAILURE_ATTRIBUTE = "_mercato_dependency_failure"


def dependency_failure(error: BaseException | None) -> BaseException | None:
    """The dependency error behind ``error`` (itself, or what it was raised from), or None if there is none."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, DEPENDENCY_ERRORS):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def wants_json(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith("/api/") or path.endswith(".json")


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 answer for a request that met a failing dependency; logs one line, without a traceback."""
    logger.warning(
        "503 for %s %s: a dependency failed (%s: %s)",
        request.method, request.path_info, type(error).__name__, (str(error).strip().splitlines() or [""])[0],
    )  # fmt: skip
    if wants_json(request):
        response: HttpResponse = JsonResponse({"detail": API_MESSAGE, "errors": {}}, status=503)
    else:
        # No request context: the context processors could need the very database that is down. The language is
        # the visitor's choice or browser's: the store's own is in that database.
        language = translation.get_language_from_request(request, check_path=False)
        with translation.override(language):
            body = render_to_string("platform/dependency_unavailable.html", {"platform_url": platform_url()})
        response = HttpResponse(body, status=503)
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DependencyOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, _FAILURE_ATTRIBUTE, None)
        if error is not None and response.status_code == 500:
            return unavailable_response(request, error)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        error = dependency_failure(exception)
        return unavailable_response(request, error) if error is not None else None


@receiver(got_request_exception, dispatch_uid="mercato-dependency-failure")
def _note_dependency_failure(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    error = dependency_failure(sys.exc_info()[1])
    if request is not None and error is not None:
        setattr(request, _FAILURE_ATTRIBUTE, error)
