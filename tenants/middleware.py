"""Routes each request by its Host header: the platform site, a store, or a friendly "no such store" page.

This is the one place that reads the Host header.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from platform import request_memo
from platform.hosts import platform_url

from .models import Store
from .selectors import platform_hosts, store_for_host


class StoreRoutingMiddleware(TenantMainMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        request_memo.begin()
        connection.set_schema_to_public()
        request.store = None
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return _page(request, "platform/store_not_found.html", {"hostname": ""}, status=400)

        if hostname in platform_hosts():
            request.tenant = connection.tenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None

        store = store_for_host(hostname)
        if store is None:
            return _page(request, "platform/store_not_found.html", {"hostname": hostname}, status=404)
        if store.status != Store.Status.ACTIVE:
            status = 404 if store.status == Store.Status.CLOSED else 503
            response = _page(request, "platform/store_unavailable.html", {"unavailable_store": store}, status)
            if status == 503:
                response["Retry-After"] = "300"
            return response

        store.domain_url = hostname
        request.tenant = request.store = store
        connection.set_tenant(store)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        request_memo.end()
        return response


def _page(request: HttpRequest, template: str, context: dict, status: int) -> HttpResponse:
    body = render_to_string(template, {**context, "platform_url": platform_url()}, request=None)
    return HttpResponse(body, status=status)
