"""Pages of the platform site."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tenants.selectors import listed_stores


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "platform/home.html", {"stores": listed_stores()})


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and the run script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
