"""Pages a store serves to buyers on its own host, rendered in the store's theme; all work without JavaScript."""

import json
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils._os import safe_join
from django.utils.html import strip_tags
from django.views.decorators.http import require_GET

from platform import request_memo

from .browse import SORTS, Listing, listed_products, paginate
from .catalog.models import Product, Tag
from .catalog.selectors import collection_by_slug, collection_products, collections, product_by_slug, with_details
from .page_cache import cached_store_page, content_version
from .reputation import store_reputation
from .reviews import selectors as review_selectors
from .themes.models import Page as StorePage
from .themes.selectors import navigation, published_page, store_profile


def _cached_lists() -> dict[str, list]:
    """The menu and the tag and collection lists of the filters: the same on every page of a store, kept in Redis
    under the store's content version, which every change to pages, the menu or the catalog moves on."""
    key = f"storefront:lists:{content_version()}"

    def load() -> dict[str, list]:
        found = cache.get(key)
        if found is None:
            found = {
                "nav": navigation(),
                "tags": list(Tag.objects.order_by("name")[:50]),
                "collections": list(collections()[:50]),
            }
            cache.set(key, found, 3600)
        return found

    return request_memo.remember(key, load)


def _render_themed(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    profile = store_profile()
    context = {
        "profile": profile,
        "nav": _cached_lists()["nav"],
        "theme": profile.theme,
        "canonical_url": request.build_absolute_uri(request.path),
        "reputation": store_reputation(),
        **context,
    }
    return render(request, [f"themes/{profile.theme}/{template}", f"themes/classic/{template}"], context, status=status)


@require_GET
@cached_store_page
def home(request: HttpRequest) -> HttpResponse:
    profile = store_profile()
    featured = []
    if profile.show_featured_products:
        featured = list(with_details(profile.featured_products.filter(status=Product.Status.ACTIVE)))
    collection = profile.featured_collection
    context = {
        "products": listed_products(Listing())[:24],
        "featured": featured,
        "featured_collection": collection,
        "featured_collection_products": list(with_details(collection_products(collection))[:8]) if collection else [],
    }
    return _render_themed(request, "home.html", context)


@require_GET
@cached_store_page
def product_list(request: HttpRequest) -> HttpResponse:
    """All products, or the search results when ``q`` is given."""
    listing = Listing.from_query(request.GET)
    title = f"Search: {listing.query}" if listing.query else "All products"
    return _listing_page(request, listing, title=title, collection=None)


@require_GET
@cached_store_page
def collection_page(request: HttpRequest, slug: str) -> HttpResponse:
    collection = collection_by_slug(slug)
    if collection is None:
        raise Http404("No such collection.")
    return _listing_page(request, Listing.from_query(request.GET), title=collection.title, collection=collection)


def _listing_page(request: HttpRequest, listing: Listing, *, title: str, collection: object) -> HttpResponse:
    page = paginate(listed_products(listing, collection=collection), listing)
    context = {
        "title": title,
        "collection": collection,
        "listing": listing,
        "page": page,
        "sorts": SORTS,
        "tags": _cached_lists()["tags"],
        "all_collections": _cached_lists()["collections"],
    }
    return _render_themed(request, "listing.html", context)


@require_GET
@cached_store_page
def product_page(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_by_slug(slug)
    if product is None:
        raise Http404("No such product.")
    variants = list(product.variants.all())
    chosen = next((v for v in variants if str(v.pk) == request.GET.get("variant")), None)
    chosen = chosen or next((v for v in variants if v.available), variants[0] if variants else None)
    rating = review_selectors.product_rating(product.pk)
    json_ld = _product_json_ld(request, product, variants)
    if rating.count:
        json_ld["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(rating.average),
            "reviewCount": rating.count,
            "bestRating": 5,
            "worstRating": 1,
        }
    context = {
        "product": product,
        "variants": variants,
        "variant": chosen,
        "images": list(product.images.all()),
        "options": list(product.options.all()),
        "rating": rating,
        "reviews": list(review_selectors.visible_reviews(product.pk)[:20]) if rating.count else [],
        "json_ld": json.dumps(json_ld, ensure_ascii=False).replace("</", "<\\/"),
        "variant_data": json.dumps(
            {str(v.pk): {"price": str(v.price), "available": v.available, "title": v.title} for v in variants}
        ),
    }
    return _render_themed(request, "product.html", context)


def _product_json_ld(request: HttpRequest, product: Product, variants: list) -> dict:
    currency = store_profile().currency
    images = [request.build_absolute_uri(image.image.url) for image in product.images.all() if image.image]
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "description": strip_tags(product.description)[:5000],
        "image": images,
        "url": request.build_absolute_uri(request.path),
        "offers": [
            {
                "@type": "Offer",
                "sku": variant.sku,
                "name": variant.title,
                "price": str(variant.price),
                "priceCurrency": currency,
                "availability": "https://schema.org/" + ("InStock" if variant.available else "OutOfStock"),
            }
            for variant in variants
        ],
    }


@require_GET
@cached_store_page
def page(request: HttpRequest, slug: str) -> HttpResponse:
    found = published_page(slug)
    if found is None:
        raise Http404("No such page.")
    return _render_themed(request, "page.html", {"page": found})


@require_GET
@cached_store_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Disallow: /dashboard/", "Disallow: /api/",
             f"Sitemap: {request.build_absolute_uri(reverse('storefront-sitemap'))}"]  # fmt: skip
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
@cached_store_page
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """Every public page of the store: home, products, collections and published pages."""
    base = request.build_absolute_uri("/").rstrip("/")
    entries = [(f"{base}/", None)]
    entries += [(f"{base}/products/{slug}/", updated) for slug, updated in
                Product.objects.filter(status=Product.Status.ACTIVE).values_list("slug", "updated_at").iterator()]  # fmt: skip
    entries += [(f"{base}/collections/{c.slug}/", c.updated_at) for c in collections()]
    entries += [(f"{base}/pages/{slug}/", updated) for slug, updated in
                StorePage.objects.filter(is_published=True).values_list("slug", "updated_at")]  # fmt: skip
    return render(request, "themes/sitemap.xml", {"entries": entries}, content_type="application/xml")


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
