"""Pages of the directory on the platform site: product search (HTML and JSON) and the store directory."""

from dataclasses import asdict, replace
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import SearchParams, SearchResult, directory_stores, search


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    params = SearchParams.from_query(request.GET)
    result = search(params)
    facets = {
        name: [(value, _toggle_url(params, name, value.value, value.selected)) for value in values]
        for name, values in result.facets.items()
    }
    pages = {
        "previous": _url(replace(params, page=params.page - 1)) if params.page > 1 else "",
        "next": _url(replace(params, page=params.page + 1)) if params.page < result.pages else "",
    }
    sorts = [(key, label, _url(replace(params, sort=key, page=1))) for key, label in SORT_LABELS.items()]
    context = {"result": result, "params": params, "facets": facets, "pages": pages, "sorts": sorts}
    return render(request, "platform/search.html", context)


@require_GET
def search_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(as_json(search(SearchParams.from_query(request.GET))))


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
        "results": [
            {
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
                    }
                    for offer in hit.offers
                ],
            }
            for hit in result.hits
        ],
        "facets": {name: [asdict(value) for value in values] for name, values in result.facets.items()},
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
