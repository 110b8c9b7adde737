"""Routes each request by its Host header: the platform site, a store, or a friendly "no such store" page.

This is the one place that reads the Host header.
"""

import ipaddress
import threading

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, set_urlconf
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from platform.kit import request_memo
from platform.kit.hosts import platform_url
from platform.outages import DEPENDENCY_ERRORS, unavailable_response
from tenants.connection import connection

from . import suspension
from .models import Store
from .pods.routing import database_of, enter_database, leave_database
from .pods.selectors import is_moving
from .request_types import RoutedRequest
from .selectors import platform_hosts, store_for_host


class StoreRoutingMiddleware(TenantMainMiddleware):
    def process_request(self, request: RoutedRequest) -> HttpResponse | None:
        request_memo.begin()
        _leave_request_pod()  # a streamed response of this thread's last request may have left its pod entered
        # The connection may still be on the schema of this worker's previous request. It is switched below
        # only when this request needs another schema: an unchanged search_path needs no `SET` round trip.
        request.store = None
        if not request.META.get("HTTP_HOST", "").strip():
            # Without a Host header Django falls back to the server's own name, which may well be the platform's
            # host; HTTP/1.1 requires the header, so a request without one is refused rather than guessed at.
            return _page(request, "platform/store_not_found.html", {"hostname": ""}, status=400)
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return _page(request, "platform/store_not_found.html", {"hostname": ""}, status=400)

        if hostname in platform_hosts() or _internal_by_address(hostname, request.path_info):
            if connection.schema_name != get_public_schema_name():
                connection.set_schema_to_public()
            request.tenant = connection.tenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None

        try:
            store = store_for_host(hostname)
        except DEPENDENCY_ERRORS as error:
            # Answered here rather than left to rise: Django would first log it as a 500 with its traceback.
            return unavailable_response(request, error)
        if store is None:
            return _page(request, "platform/store_not_found.html", {"hostname": hostname}, status=404)
        # A suspended store's staff still reach the dashboard and the seller API (to pay, read and export); its
        # storefront stays unavailable.
        if not suspension.answers(store, request.path_info):
            status = 404 if store.status == Store.Status.CLOSED else 503
            response = _page(request, "platform/store_unavailable.html", {"unavailable_store": store}, status)
            if status == 503:
                response["Retry-After"] = "300"
            return response

        if is_moving(store) and request.method not in suspension.READ_METHODS:
            # Its schema is being copied to another pod: a write now would be left behind on the old one.
            return _refused_while_moving(request, store)

        store.domain_url = hostname
        request.tenant = request.store = store
        database = database_of(store)
        if database != DEFAULT_DB_ALIAS:
            # Until the response is finished (request_finished), "default" is the store's pod (tenants/pods/).
            _request_pod.depth = enter_database(database)
        if connection.schema_name == store.schema_name:
            connection.tenant = store  # same schema as the last request: keep the search_path already set
        else:
            connection.set_tenant(store)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        if store.status == Store.Status.SUSPENDED and not suspension.allows(
            store, method=request.method or "GET", action=_url_name(request)
        ):
            return _refused_while_suspended(request, store)
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        request_memo.end()
        return response


_request_pod = threading.local()


def _leave_request_pod(**_: object) -> None:
    depth = getattr(_request_pod, "depth", None)
    if depth is not None:
        _request_pod.depth = None
        leave_database(depth)


# After the response's last byte (a streamed export reads the store's tables while it is sent), not at
# process_response.
request_finished.connect(_leave_request_pod, dispatch_uid="tenants.leave_request_pod")


def _internal_by_address(hostname: str, path: str) -> bool:
    """The platform's /internal/ endpoints also answer on an IP address (the TLS proxy asks the app server at
    127.0.0.1:port, a host no store can have); the endpoints themselves check who is asking."""
    if not path.startswith("/internal/"):
        return False
    try:
        ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        return False
    return True


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info, urlconf=request.urlconf).view_name
    except Resolver404:
        return None


def _refused_while_suspended(request: HttpRequest, store: Store) -> HttpResponse:
    refusal = suspension.StoreSuspended(store)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(refusal), "errors": {}}, status=403)
    return _page(request, "platform/store_read_only.html", {"message": str(refusal)}, status=403)


# Moving a store takes seconds to a minute (docs/scaling.md, "Moving a store to another pod").
MOVING_RETRY_AFTER = "60"


def _refused_while_moving(request: HttpRequest, store: Store) -> HttpResponse:
    # The visitor's language, as on the other pages answered before the store's own language middleware runs.
    with translation.override(translation.get_language_from_request(request, check_path=False)):
        message = _(
            "%(store)s is being moved and can't take changes just now: nothing was changed. "
            "Everything can still be read; please try again in a minute."
        ) % {"store": store.name}
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "errors": {}}, status=503)
    else:
        response = _page(request, "platform/store_moving.html", {"message": message}, status=503)
    response["Retry-After"] = MOVING_RETRY_AFTER
    return response


def _page(request: HttpRequest, template: str, context: dict, status: int) -> HttpResponse:
    # No store answers here to choose the language (the language middleware hasn't run): the visitor's own choice
    # or browser does, as on the platform site.
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        body = render_to_string(template, {**context, "platform_url": platform_url()}, request=None)
    response = HttpResponse(body, status=status)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    response["Content-Language"] = language
    return response
