"""Middleware and URLs of the single-tenant baseline server (see single_tenant_settings), plus a constant view."""

import os

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from platform.kit import request_memo
from platform.urls_tenant import urlpatterns as store_urlpatterns

_store = None


class FixedStoreMiddleware:
    """Serves every request as the store named by MERCATO_BENCH_STORE, looked up once per process."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        global _store
        if _store is None:
            from tenants.models import Store

            _store = Store.objects.get(slug=os.environ["MERCATO_BENCH_STORE"])
        request_memo.begin()
        request.store = request.tenant = _store
        if connection.schema_name != _store.schema_name:
            connection.set_tenant(_store)
        response = self.get_response(request)
        request_memo.end()
        return response


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("constant", constant), *store_urlpatterns]
