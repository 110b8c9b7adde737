"""Pages a store serves to buyers on its own host, rendered in the store's theme."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils._os import safe_join

from .catalog.models import Product
from .catalog.selectors import collection_products, products_for_sale, with_details
from .themes.selectors import navigation, published_page, store_profile


def _render_themed(request: HttpRequest, page: str, context: dict, status: int = 200) -> HttpResponse:
    profile = store_profile()
    context = {"profile": profile, "nav": navigation(), "theme": profile.theme, **context}
    return render(request, [f"themes/{profile.theme}/{page}", f"themes/classic/{page}"], context, status=status)


def home(request: HttpRequest) -> HttpResponse:
    profile = store_profile()
    featured = []
    if profile.show_featured_products:
        featured = list(with_details(profile.featured_products.filter(status=Product.Status.ACTIVE)))
    collection = profile.featured_collection
    context = {
        "products": products_for_sale(),
        "featured": featured,
        "featured_collection": collection,
        "featured_collection_products": list(collection_products(collection)[:8]) if collection else [],
    }
    return _render_themed(request, "home.html", context)


def page(request: HttpRequest, slug: str) -> HttpResponse:
    found = published_page(slug)
    if found is None:
        raise Http404("No such page.")
    return _render_themed(request, "page.html", {"page": found})


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
