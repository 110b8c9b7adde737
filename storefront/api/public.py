"""Public reads of a store's catalog: active products, their variants, collections and search. No token needed."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, P, Query, QueryEx, Router, Schema
from ninja.pagination import paginate

from storefront.catalog import selectors

from .languages import LANG_DESCRIPTION, reading_language
from .lookups import found
from .pagination import Page
from .schemas import CollectionOut, ErrorOut, Money, ProductOut, VariantOut

router = Router(tags=["catalog"])
NOT_FOUND = {404: ErrorOut}
# ``?lang=``: titles and descriptions in one of the store's languages (storefront/api/languages.py).
Lang = QueryEx[str | None, P(max_length=16, description=LANG_DESCRIPTION)]


class ProductFilters(Schema):
    q: str = ""
    tag: str = ""
    collection: str = ""
    min_price: Money | None = None
    max_price: Money | None = None
    sort: Literal["title", "newest", "price", "-price"] = "title"
    lang: str | None = Field(None, max_length=16, description=LANG_DESCRIPTION)


@router.get("/products", response={200: list[ProductOut], **NOT_FOUND})
@paginate(Page)
def list_products(request: HttpRequest, filters: Query[ProductFilters]):
    language = reading_language(filters.lang)
    collection = None
    if filters.collection:
        collection = found(selectors.collection_by_slug(filters.collection), f"collection {filters.collection!r}")
    found_products = selectors.products(
        query=filters.q.strip(),
        tag=filters.tag,
        collection=collection,
        min_price=filters.min_price,
        max_price=filters.max_price,
        sort=filters.sort,
    )
    return selectors.with_texts(found_products, language=language)


@router.get("/products/{product_id}", response={200: ProductOut, **NOT_FOUND})
def get_product(request: HttpRequest, product_id: int, lang: Lang = None):
    return found(selectors.product(product_id, language=reading_language(lang)), f"product {product_id}")


@router.get("/products/{product_id}/variants", response={200: list[VariantOut], **NOT_FOUND})
def list_product_variants(request: HttpRequest, product_id: int):
    # Every product has a variant, so none means no such product for sale: one query either way.
    return found(list(selectors.variants(product_id=product_id)) or None, f"product {product_id}")


@router.get("/variants", response=list[VariantOut])
@paginate(Page)
def list_variants(request: HttpRequest, sku: str = ""):
    return selectors.variants(sku=sku.strip())


@router.get("/variants/{variant_id}", response={200: VariantOut, **NOT_FOUND})
def get_variant(request: HttpRequest, variant_id: int):
    return found(selectors.variant(variant_id), f"variant {variant_id}")


@router.get("/collections", response=list[CollectionOut])
@paginate(Page)
def list_collections(request: HttpRequest, lang: Lang = None):
    return selectors.with_texts(selectors.collections(), language=reading_language(lang))


@router.get("/collections/{collection_id}", response={200: CollectionOut, **NOT_FOUND})
def get_collection(request: HttpRequest, collection_id: int, lang: Lang = None):
    return found(selectors.collection(collection_id, language=reading_language(lang)), f"collection {collection_id}")


@router.get("/collections/{collection_id}/products", response={200: list[ProductOut], **NOT_FOUND})
@paginate(Page)
def list_collection_products(request: HttpRequest, collection_id: int, lang: Lang = None):
    language = reading_language(lang)
    collection = found(selectors.collection(collection_id), f"collection {collection_id}")
    return selectors.with_texts(selectors.with_details(selectors.collection_products(collection)), language=language)


@router.get("/search", response=list[ProductOut])
@paginate(Page)
def search(request: HttpRequest, q: str, sort: Literal["title", "relevance"] = "title", lang: Lang = None):
    # "relevance": the best matches first (the title, then a tag, then the description; whole words first).
    # Translated titles and descriptions are searched whatever the language asked for (catalog.selectors).
    return selectors.with_texts(selectors.search_products(q, sort=sort), language=reading_language(lang))
