"""Pages of the platform site."""

from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from tenants.selectors import listed_stores


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/home.html", {"stores": listed_stores()})


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and the run script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico on the platform site and on every store host: browsers ask for it whatever the page says."""
    found = finders.find("favicon.ico")
    if not found:
        raise Http404("No icon.")
    return FileResponse(open(found, "rb"), content_type="image/x-icon")
