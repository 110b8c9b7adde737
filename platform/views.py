"""Pages of the platform site."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from platform.readiness import readiness
from tenants.selectors import host_may_have_certificate, listed_stores


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/home.html", {"stores": listed_stores()})


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and the run script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness for load balancers: 200 when PostgreSQL, Redis, the broker and the migrations are all ready,
    else 503 naming what is not (platform/readiness.py)."""
    checks = readiness()
    not_ready = sorted(name for name, result in checks.items() if result != "ok")
    body = {"status": "not ready" if not_ready else "ready", "not_ready": not_ready, "checks": checks}
    return JsonResponse(body, status=503 if not_ready else 200)


@require_GET
@never_cache
def tls_ask(request: HttpRequest) -> HttpResponse:
    """The TLS proxy's on-demand "ask": 200 if it may get a certificate for ``?domain=``, else 404 (docs/deploy.md).

    Only the proxy may ask. It calls this directly, so the request comes from one of its addresses and carries no
    X-Forwarded-For; a visitor's request relayed by the proxy carries that header (and the proxy refuses
    /internal/ from outside anyway).
    """
    if request.META.get("REMOTE_ADDR") not in settings.PROXY_ADDRESSES or "HTTP_X_FORWARDED_FOR" in request.META:
        return HttpResponse("Only the TLS proxy may ask.\n", status=403, content_type="text/plain")
    domain = request.GET.get("domain", "")
    if len(domain) > 253 or not host_may_have_certificate(domain):
        return HttpResponse("No certificate for this name.\n", status=404, content_type="text/plain")
    return HttpResponse("OK\n", content_type="text/plain")


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico on the platform site and on every store host: browsers ask for it whatever the page says."""
    found = finders.find("favicon.ico")
    if not found:
        raise Http404("No icon.")
    return FileResponse(open(found, "rb"), content_type="image/x-icon")
