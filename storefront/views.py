"""Pages a store serves to buyers on its own host, rendered in the store's theme; all work without JavaScript."""

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import F, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils._os import safe_join
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from platform.kit.money import format_money
from tenants.connection import connection

from .browse import Listing, card_lists, filter_lists, listed_products, paginate, product_cards
from .catalog.models import Collection, CollectionTranslation, Product, ProductImage, ProductTranslation
from .catalog.selectors import (
    collection_by_slug,
    collection_in_page_language,
    collection_products,
    collections,
    product_page_rows,
)
from .page_cache import cached_store_page
from .pricing import PromotedPrice
from .promotions.selectors import describe_offer, product_offers, variant_prices
from .reviews import selectors as review_selectors
from .themes.language import address_in_language
from .themes.models import CONTACT_FORM_PATH, CONTACT_PAGE_SLUG, PageTranslation
from .themes.models import Page as StorePage
from .themes.rendering import per_content_version, render_themed, themed_profile
from .themes.selectors import published_page


@require_GET
@cached_store_page
def home(request: HttpRequest) -> HttpResponse:
    profile = themed_profile()
    lists: dict[str, tuple[QuerySet[Product, Any], int | None]] = {"products": (listed_products(Listing()), 24)}
    if profile.show_featured_products:
        lists["featured"] = (profile.featured_products.filter(status=Product.Status.ACTIVE), None)
    collection = profile.featured_collection
    if collection:
        lists["featured_collection_products"] = (collection_products(collection), 8)
    # Every list's cards in two queries (rows, pictures), however many lists the profile shows.
    cards = card_lists(lists, profile.currency)
    context = {
        "products": cards["products"],
        "featured": cards.get("featured", []),
        "featured_collection": _featured_in_page_language(collection) if collection else None,
        "featured_collection_products": cards.get("featured_collection_products", []),
    }
    return render_themed(request, "home.html", context)


def _featured_in_page_language(collection: Collection) -> Collection:
    # The filters' collection list (read once per content version) carries its translations: no query then.
    listed = next((c for c in filter_lists()["collections"] if c.pk == collection.pk), collection)
    return collection_in_page_language(listed)


@require_GET
@cached_store_page
def product_list(request: HttpRequest) -> HttpResponse:
    """All products, or the search results when ``q`` is given."""
    listing = Listing.from_query(request.GET)
    title = _("Search: %(query)s") % {"query": listing.query} if listing.query else _("All products")
    return _listing_page(request, listing, title=title, collection=None)


@require_GET
@cached_store_page
def collection_page(request: HttpRequest, slug: str) -> HttpResponse:
    # The filters' collection list (read once per content version) usually holds it: no query then.
    listed = (c for c in filter_lists()["collections"] if c.slug == slug)
    collection = next(listed, None) or collection_by_slug(slug)
    if collection is None:
        raise Http404("No such collection.")
    collection = collection_in_page_language(collection)
    return _listing_page(request, Listing.from_query(request.GET), title=collection.title, collection=collection)


# Product counts kept per store and content version; filters are typed by visitors, so only so many are kept.
_COUNTS_PER_VERSION = 64


def _known_count(listing: Listing, collection: Collection | None) -> tuple[dict[tuple, int] | None, tuple]:
    """Where this process keeps the product count of a listing for the filters buyers click (collection, tag, in
    stock), per store and content version, and its key there; searches and price ranges, which can be anything,
    are counted every time (by the page's own query, see ``browse.paginate``)."""
    key = (collection.pk if collection else None, listing.tag, listing.in_stock)
    if listing.query or listing.min_price is not None or listing.max_price is not None:
        return None, key
    counts: dict[tuple, int] = per_content_version("listing counts", dict)
    return (counts if key in counts or len(counts) < _COUNTS_PER_VERSION else None), key


def _listing_page(request: HttpRequest, listing: Listing, *, title: str, collection: Collection | None) -> HttpResponse:
    rows = listed_products(listing, collection=collection)
    counts, key = _known_count(listing, collection)
    page = paginate(rows, listing, count=counts.get(key) if counts is not None else None)
    if counts is not None:
        counts[key] = page.paginator.count
    context = {
        "title": title,
        "collection": collection,
        "listing": listing,
        "page": page,
        "cards": product_cards(page.object_list, themed_profile().currency),
        "sorts": listing.sorts,
        "tags": filter_lists()["tags"],
        "all_collections": [collection_in_page_language(c) for c in filter_lists()["collections"]],
    }
    return render_themed(request, "listing.html", context)


@require_GET
@cached_store_page
def product_page(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_page_rows(slug)
    if product is None:
        raise Http404("No such product.")
    currency = themed_profile().currency
    # Everything the page prints is worked out here once, as strings: the template runs no filter, property or
    # file-field lookup per variant or picture.
    promoted = variant_prices(
        ((row["id"], product["id"], Decimal(row["price"])) for row in product["variant_rows"]), currency=currency
    )
    variants = [_variant_view(row, currency, promoted[row["id"]]) for row in product["variant_rows"]]
    chosen = next((v for v in variants if v["id"] == request.GET.get("variant")), None)
    chosen = chosen or next((v for v in variants if v["available"]), variants[0] if variants else None)
    storage = ProductImage._meta.get_field("image").storage
    images = [
        {
            "url": storage.url(row["image"]) if row["image"] else "",
            "alt": row["alt_text"] or product["title"],
            "width": row["width"],
            "height": row["height"],
        }
        for row in product["image_rows"]
    ]
    rating = review_selectors.rating_from_page_row(product)
    json_ld = _product_json_ld(request, product, variants, images, currency)
    if rating.count:
        json_ld["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(rating.average),
            "reviewCount": rating.count,
            "bestRating": 5,
            "worstRating": 1,
        }
    summary = strip_tags(product["seo_description"] or product["description"])
    context = {
        "product": product,
        "page_title": product["seo_title"] or product["title"],
        "meta_description": Truncator(summary).chars(160),
        "og_description": Truncator(summary).chars(200),
        "variants": variants,
        "variant": chosen,
        # Buy X get Y, quantity tiers and free shipping change no unit price: said beside it instead.
        "offers": [
            (describe_offer(offer, currency), offer.name)
            for offer in product_offers([product["id"]]).get(product["id"], [])
        ],
        "has_choice": len(variants) > 1,
        "images": images,
        "picker_legend": " / ".join(product["option_names"]) or _("Choose"),
        "rating": rating,
        "reviews": list(review_selectors.visible_reviews(product["id"])[:20]) if rating.count else [],
        "json_ld": json.dumps(json_ld, ensure_ascii=False).replace("</", "<\\/"),
        "variant_data": json.dumps(
            {v["id"]: {"price": v["amount"], "available": v["available"], "title": v["title"]} for v in variants}
        ),
    }
    return render_themed(request, "product.html", context)


def _variant_view(row: dict, currency: str, promoted: PromotedPrice) -> dict:
    """A variant row of ``product_page_rows`` as the page prints it, at its price after running promotions."""
    price = promoted.unit_price
    compare = Decimal(row["compare_at_price"]) if row["compare_at_price"] is not None else None
    if promoted.applied:
        # The price before the promotion is what the buyer compares with, unless a higher compare-at price is set.
        compare = max(compare or promoted.list_price, promoted.list_price)
    tracked, stock = row["track_inventory"], row["stock"]
    available = not tracked or stock > 0 or row["continue_selling"]
    if not available:
        stock_text = _("Sold out")
    elif tracked and 0 < stock <= 5:
        stock_text = _("Only %(stock)s left") % {"stock": stock}
    else:
        stock_text = _("In stock")
    return {
        "id": str(row["id"]),
        "sku": row["sku"],
        "title": " / ".join(v for v in (row["option1"], row["option2"], row["option3"]) if v) or _("Default"),
        "amount": str(price) if promoted.applied else row["price"],  # the decimal as text, for feeds and scripts
        "promotion": promoted.label,
        # The countdown's end, as the server knows it: static/js/countdown.js counts down to it in the browser.
        "ends_at": promoted.ends_at.isoformat() if promoted.ends_at and promoted.applied else "",
        "ends_text": f"{promoted.ends_at:%Y-%m-%d %H:%M} UTC" if promoted.ends_at and promoted.applied else "",
        "price": format_money(price, currency),
        "compare_at": format_money(compare, currency) if compare is not None and compare > price else "",
        "available": available,
        "stock_text": stock_text,
    }


def _product_json_ld(
    request: HttpRequest, product: dict, variants: list[dict], images: list[dict], currency: str
) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product["title"],
        "description": strip_tags(product["description"])[:5000],
        "image": [request.build_absolute_uri(image["url"]) for image in images if image["url"]],
        "url": request.build_absolute_uri(request.path),
        "offers": [
            {
                "@type": "Offer",
                "sku": variant["sku"],
                "name": variant["title"],
                "price": variant["amount"],
                "priceCurrency": currency,
                "availability": "https://schema.org/" + ("InStock" if variant["available"] else "OutOfStock"),
            }
            for variant in variants
        ],
    }


@require_GET
@cached_store_page
def page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug == CONTACT_PAGE_SLUG:
        return redirect(CONTACT_FORM_PATH)
    found = published_page(slug)
    if found is None:
        raise Http404("No such page.")
    return render_themed(request, "page.html", {"page": found})


@require_GET
@cached_store_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Disallow: /dashboard/", "Disallow: /api/",
             f"Sitemap: {request.build_absolute_uri(reverse('storefront-sitemap'))}"]  # fmt: skip
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_GET
@cached_store_page
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """Every public page of the store (home, products, collections and published pages); for a store in several
    languages, a sitemap index naming one sitemap per language instead."""
    offered = themed_profile().offered_languages()
    if len(offered) == 1:
        return _sitemap(request, offered[0], offered)
    base = request.build_absolute_uri("/").rstrip("/")
    sitemaps = [f"{base}{reverse('storefront-language-sitemap', args=[code])}" for code in offered]
    return render(request, "themes/sitemap_index.xml", {"sitemaps": sitemaps}, content_type="application/xml")


@require_GET
@cached_store_page
def language_sitemap_xml(request: HttpRequest, language: str) -> HttpResponse:
    """The store's public pages at their addresses in ``language``, each with its other languages' addresses."""
    offered = themed_profile().offered_languages()
    if language not in offered:
        raise Http404("This store isn't offered in that language.")
    return _sitemap(request, language, offered)


def _changed_in(translations: type[Model], owner: str, language: str, default: str) -> Any:
    """When an item's page in ``language`` last changed: its own ``updated_at``, or its translation's into that
    language when later (a translation edited alone leaves the item's own date as it was)."""
    if language == default:
        return F("updated_at")
    translated = translations._default_manager.filter(**{owner: OuterRef("pk"), "language": language})
    return Greatest("updated_at", Subquery(translated.values("updated_at")[:1]))  # PostgreSQL skips a NULL


def _sitemap(request: HttpRequest, language: str, offered: list[str]) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    default = offered[0]
    products = Product.objects.filter(status=Product.Status.ACTIVE).annotate(
        changed=_changed_in(ProductTranslation, "product", language, default)
    )
    entries: list[tuple[str, datetime | None]] = [(f"{base}/", None)]
    entries += [(f"{base}/products/{slug}/", updated) for slug, updated in
                products.values_list("slug", "changed").iterator()]  # fmt: skip
    changed_collections = collections().annotate(
        changed=_changed_in(CollectionTranslation, "collection", language, default)
    )
    entries += [(f"{base}/collections/{slug}/", updated) for slug, updated in
                changed_collections.values_list("slug", "changed")]  # fmt: skip
    pages = StorePage.objects.filter(is_published=True).annotate(
        changed=_changed_in(PageTranslation, "page", language, default)
    )
    entries += [(f"{base}{CONTACT_FORM_PATH}" if slug == CONTACT_PAGE_SLUG else f"{base}/pages/{slug}/", updated)
                for slug, updated in pages.values_list("slug", "changed")]  # fmt: skip
    rows = [
        (
            address_in_language(location, language, default=default),
            updated,
            [(code, address_in_language(location, code, default=default)) for code in offered]
            if len(offered) > 1
            else [],
        )
        for location, updated in entries
    ]
    return render(request, "themes/sitemap.xml", {"entries": rows}, content_type="application/xml")


def media(request: HttpRequest, schema_name: str, path: str) -> FileResponse:
    """Serve a file of this store's media folder; another store's folder is simply not found here.

    Only while uploads have no host of their own (MEDIA_URL a path, as under `make run`); with a media host
    (docs/deploy.md) a seller's file never comes from a store's origin.
    """
    if not settings.MEDIA_URL.startswith("/") or schema_name != connection.schema_name:
        raise Http404("No such file.")
    try:
        file_path = Path(safe_join(Path(settings.MEDIA_ROOT) / schema_name, path))
    except SuspiciousFileOperation as error:
        raise Http404("No such file.") from error
    if not file_path.is_file():
        raise Http404("No such file.")
    return FileResponse(file_path.open("rb"))
