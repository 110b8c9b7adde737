"""Pages a store serves to buyers on its own host."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils._os import safe_join

from .catalog.selectors import products_for_sale


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/home.html", {"products": products_for_sale()})


def media(request: HttpRequest, schema_name: str, path: str) -> FileResponse:
    """Serve a file of this store's media folder; another store's folder is simply not found here."""
    if schema_name != connection.schema_name:
        raise Http404("No such file.")
    try:
        file_path = Path(safe_join(Path(settings.MEDIA_ROOT) / schema_name, path))
    except SuspiciousFileOperation as error:
        raise Http404("No such file.") from error
    if not file_path.is_file():
        raise Http404("No such file.")
    return FileResponse(file_path.open("rb"))
