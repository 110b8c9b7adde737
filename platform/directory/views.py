"""Pages of the directory on the platform site: product search (HTML and JSON) and the store directory."""

import re
import secrets
from dataclasses import asdict, replace
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from platform.buyers.selectors import favourite_product_keys, followed_store_ids, preferred_store_ids
from platform.buyers.session import current_buyer
from platform.kit.ratelimit import allow, client_ip
from tenants.models import Membership

from .selectors import (
    Hit,
    SearchParams,
    SearchResult,
    directory_stores,
    read_click_token,
    search,
    sponsored_target,
)
from .sponsored import ORDER_REFERENCE_PARAMETER, order_reference, record_click, record_impressions

# A click from one of these user agents is followed but never counted (nor billed).
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|bingpreview|facebookexternalhit|headless|python-requests|curl|wget|httpclient|java/|"
    r"go-http-client|scrapy|phantomjs",
    re.IGNORECASE,
)
VISITOR_COOKIE = "mercato_visitor"
VISITOR_COOKIE_SECONDS = 365 * 24 * 3600
# Clicks one IP address may have counted per hour, all campaigns together.
CLICKS_PER_IP_PER_HOUR = 30


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    params = SearchParams.from_query(request.GET)
    buyer = current_buyer(request)
    followed = followed_store_ids(buyer)
    result = search(params, boost_store_ids=preferred_store_ids(buyer))
    _count_impressions(result)
    facets = {
        name: [(value, _toggle_url(params, name, value.value, value.selected)) for value in values]
        for name, values in result.facets.items()
    }
    pages = {
        "previous": _url(replace(params, page=params.page - 1)) if params.page > 1 else "",
        "next": _url(replace(params, page=params.page + 1)) if params.page < result.pages else "",
    }
    sorts = [(key, label, _url(replace(params, sort=key, page=1))) for key, label in SORT_LABELS.items()]
    context = {
        "result": result,
        "params": params,
        "facets": facets,
        "pages": pages,
        "sorts": sorts,
        # What the signed-in buyer already saved and follows, marked on the results (empty for a visitor).
        "followed_store_ids": followed,
        "saved_listing_ids": _saved_listing_ids(result, favourite_product_keys(buyer)),
    }
    return render(request, "platform/search.html", context)


def _saved_listing_ids(result: SearchResult, favourites: set[tuple[int, int]]) -> set[int]:
    return {hit.listing_id for hit in result.hits if (hit.store_id, hit.product_id) in favourites}


@require_GET
def search_json(request: HttpRequest) -> JsonResponse:
    result = search(SearchParams.from_query(request.GET), boost_store_ids=preferred_store_ids(current_buyer(request)))
    _count_impressions(result)
    return JsonResponse(as_json(result))


def _count_impressions(result: SearchResult) -> None:
    if result.sponsored:
        record_impressions(campaign_ids=[item.campaign_pk for item in result.sponsored], day=timezone.now().date())


@require_GET
def sponsored_click(request: HttpRequest, token: str) -> HttpResponse:
    """Send the buyer to the sponsored product's page; count the click (and spend its price) when it may count."""
    found = read_click_token(token)
    if found is None:
        return HttpResponseBadRequest(
            gettext("This sponsored link is not valid."), content_type="text/plain; charset=utf-8"
        )
    campaign_pk, product_id = found
    target = sponsored_target(campaign_pk=campaign_pk, product_id=product_id)
    if target is None:
        raise Http404("This product is no longer in the directory.")
    reference = order_reference(store_id=target.store_id, campaign_id=target.campaign_id)
    response = HttpResponseRedirect(f"{target.url}?{urlencode({ORDER_REFERENCE_PARAMETER: reference})}")
    visitor = request.COOKIES.get(VISITOR_COOKIE, "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", visitor):
        visitor = secrets.token_urlsafe(24)
        response.set_cookie(VISITOR_COOKIE, visitor, max_age=VISITOR_COOKIE_SECONDS, httponly=True, samesite="Lax")
    if _may_count(request, store_id=target.store_id):
        record_click(campaign_pk=campaign_pk, product_id=product_id, visitor=visitor, ip=client_ip(request))
    return response


def _may_count(request: HttpRequest, *, store_id: int) -> bool:
    """Not a bot by its user agent, not the store's own staff signed in here, not over the IP's hourly limit."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    if not agent or BOT_AGENTS.search(agent):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and Membership.objects.filter(user=user, store_id=store_id).exists():
        return False
    return allow(f"sponsored-click:{client_ip(request)}", limit=CLICKS_PER_IP_PER_HOUR, window_seconds=3600)


@require_GET
def store_directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    stores = directory_stores(q=q, page=request.GET.get("page") or 1)
    return render(request, "platform/directory_stores.html", {"stores": stores, "q": q.strip()})


SORT_LABELS = {"relevance": "Relevance", "price": "Price: low to high", "-price": "Price: high to low",
               "newest": "Newest"}  # fmt: skip


def as_json(result: SearchResult) -> dict:
    params = result.params
    return {
        "query": params.q,
        "corrected_query": result.corrected_query,
        "total": result.total,
        # True for a very broad query: total and facet counts are estimates (two significant digits).
        "approximate": result.approximate,
        "page": params.page,
        "pages": result.pages,
        "sort": params.sort,
        "results": [_hit_json(hit) for hit in result.hits],
        # Promoted listings the query matches, shown above the results; "url" counts the click, then redirects.
        "sponsored": [
            {**_hit_json(item.hit), "sponsored": True, "label": "Sponsored", "url": item.click_url}
            for item in result.sponsored
        ],
        "facets": {name: [asdict(value) for value in values] for name, values in result.facets.items()},
    }


def _hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "store_id": hit.store_id,
        "product_id": hit.product_id,
        "title": hit.title,
        "title_html": hit.title_html,
        "snippet_html": hit.snippet_html,
        "price": str(hit.price),
        "currency": hit.currency,
        "image_url": hit.image_url,
        "in_stock": hit.in_stock,
        "url": hit.url,
        "store": {"slug": hit.store_slug, "name": hit.store_name, "url": hit.store_url},
        # The same item from several stores: how many sell it, its lowest price, and each offer.
        "store_count": hit.store_count,
        "lowest_price": str(hit.lowest_price),
        "offers": [
            {
                "store": {"slug": offer.store_slug, "name": offer.store_name},
                "price": str(offer.price),
                "currency": offer.currency,
                "in_stock": offer.in_stock,
                "url": offer.url,
                "rating": None if offer.rating is None else str(offer.rating),
                "review_count": offer.review_count,
                "on_time_percent": None if offer.on_time_percent is None else str(offer.on_time_percent),
                "shipping_from": None if offer.shipping_from is None else str(offer.shipping_from),
            }
            for offer in hit.offers
        ],
    }


def _url(params: SearchParams) -> str:
    query = {"q": params.q, "store": params.store, "tag": params.tag, "price": params.price,
             "in_stock": "1" if params.in_stock else "", "sort": "" if params.sort == "relevance" else params.sort,
             "page": "" if params.page == 1 else str(params.page)}  # fmt: skip
    return "/search?" + urlencode({key: value for key, value in query.items() if value})


def _toggle_url(params: SearchParams, name: str, value: str, selected: bool) -> str:
    if name == "in_stock":
        return _url(replace(params, in_stock=not selected, page=1))
    changes: dict[str, Any] = {name: "" if selected else value}
    return _url(replace(params, **changes, page=1))
