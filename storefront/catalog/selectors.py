"""Reads of a store's catalog (run in the current store's schema); list reads prefetch what they show."""

import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache, reduce
from typing import Any, cast

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    Expression,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, JSONObject
from django.utils import translation

from storefront.themes.translated import in_page_language, page_language_row

from .models import (
    CatalogExport,
    CatalogImport,
    Collection,
    CollectionTranslation,
    InventoryAdjustment,
    Product,
    ProductImage,
    ProductOption,
    ProductTranslation,
    ProductVariant,
    Tag,
)

PRODUCT_SORTS = {"title": ("title", "id"), "newest": ("-created_at", "-id"), "price": ("price", "title", "id")}
PRODUCT_SORTS["-price"] = ("-price", "title", "id")
# A search's own order: the best match first, then by title (``relevance`` without a query is the title order).
RELEVANCE = "relevance"
# What a query word found where, for the relevance order: the title before a tag before the description and SKU,
# and a whole word before part of one. Chinese text has no spaces, so there "whole" means the word stands on its
# own in the title (景德镇 茶杯), not inside a longer run of characters (手工陶瓷茶杯).
_WEIGHTS = {"title_word": 8, "title": 6, "tag_name": 2, "tag": 2, "description": 1, "sku": 1}
MAX_QUERY_WORDS = 8
# From this many products whose own title or description contains a search word, the word is tested on each row
# as a list is read in order rather than collected as a set of ids first (see ``_matches``).
COMMON_WORD_MATCHES = 1000


def with_details(products: QuerySet[Product]) -> QuerySet[Product]:
    """Fetch variants, images, options and tags of a page of products in four queries, however many products."""
    return products.prefetch_related(
        Prefetch("variants", queryset=ProductVariant.objects.order_by("position", "id")),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        Prefetch("options", queryset=ProductOption.objects.order_by("position")),
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
    )


# Each translatable model's translation table and the column naming the item it translates.
_TRANSLATIONS: dict[type, tuple[type[ProductTranslation] | type[CollectionTranslation], str]] = {
    Product: (ProductTranslation, "product_id"),
    Collection: (CollectionTranslation, "collection_id"),
}


def with_texts[M: (Product, Collection)](
    items: QuerySet[M], *, language: str | None = None, every_language: bool = False
) -> QuerySet[M]:
    """``items`` (products or collections) carrying their translations, read in the list's own statement: with
    ``language``, ``language_text``, the translation into it (``{"language", "title", "description"}``, None where
    there is none); with ``every_language``, ``translation_rows``, all of them (the same shape, by language)."""
    model, owner = _TRANSLATIONS[items.model]
    mine = model.objects.filter(**{owner: OuterRef("pk")})
    text = JSONObject(language="language", title="title", description="description")
    if language is not None:
        items = items.annotate(language_text=Subquery(mine.filter(language=language).values(json=text)[:1]))
    if every_language:
        items = items.annotate(translation_rows=ArraySubquery(mine.order_by("language").values(row=text)))
    return items


def translation_of(item: Product | Collection) -> dict[str, str] | None:
    """The translation ``with_texts(language=)`` found for ``item``, as a dict, or None."""
    found = getattr(item, "language_text", None)
    return cast(dict[str, str], _json(found)) if found else None


def translations_by_language(item: Product | Collection) -> dict[str, dict[str, str]]:
    """Every translation of ``item`` by language: ``with_texts(every_language=True)``'s, else read now."""
    rows: Iterable[Any] | None = getattr(item, "translation_rows", None)
    if rows is None:
        rows = item.translations.values("language", "title", "description")
    by_language: dict[str, dict[str, str]] = {}
    for row in rows:
        text = cast(dict[str, str], _json(row))
        by_language[text["language"]] = text
    return by_language


def card_rows(products: QuerySet[Product]) -> QuerySet[Product, Mapping[str, Any]]:
    """What a product card shows of the product itself, as plain rows (``id``, ``title``, ``slug``, ``price``, and
    ``translated_title``, the title in the page's language or None): no model instances and no prefetch machinery;
    ``cover_pictures`` fetches the pictures of a page of them."""
    if "translated_title" not in products.query.annotations:  # card rows already
        translated = ProductTranslation.objects.filter(product_id=OuterRef("pk"), language=translation.get_language())
        products = products.annotate(translated_title=Subquery(translated.values("title")[:1]))
    return products.prefetch_related(None).values("id", "title", "slug", "price", "translated_title")  # type: ignore[misc]  # an annotation the stubs can't see


def shown_title(row: Mapping[str, Any]) -> str:
    """A card row's title as the buyer reads it: the translation into the page's language, else the product's own."""
    return row.get("translated_title") or row["title"]


def cover_pictures(product_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The first picture of each product, as ``{product id: (image name, thumbnail name)}``, in one query.

    A separate query rather than a subquery of the product list: PostgreSQL would run that subquery for every row
    an OFFSET skips too, which on a late page of a large catalogue costs more than the whole page.
    """
    if not product_ids:
        return {}
    firsts = (
        ProductImage.objects.filter(product_id__in=product_ids)
        .order_by("product_id", "position", "id")
        .distinct("product_id")
        .values_list("product_id", "image", "thumbnail")
    )
    return {product_id: (image, thumbnail) for product_id, image, thumbnail in firsts}


def products_for_sale() -> QuerySet[Product]:
    """Active products with their pictures (what a storefront listing shows)."""
    return (
        Product.objects.filter(status=Product.Status.ACTIVE)
        .order_by("title")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
    )


def products(
    *,
    for_sale: bool = True,
    status: str | None = None,
    query: str = "",
    tag: str = "",
    collection: Collection | None = None,
    min_price: object = None,
    max_price: object = None,
    sort: str = "title",
) -> QuerySet[Product]:
    """Products matching every filter given, with their details; ``for_sale`` keeps only active ones."""
    result = collection_products(collection, for_sale=for_sale) if collection else Product.objects.all()
    if for_sale:
        result = result.filter(status=Product.Status.ACTIVE)
    elif status:
        result = result.filter(status=status)
    if query:
        result = result.filter(_matches(query))
        if sort == RELEVANCE:
            result = result.annotate(relevance=_relevance(query)).order_by("-relevance", "title", "id")
    if tag:
        result = result.filter(Exists(Product.tags.through.objects.filter(product=OuterRef("pk"), tag__slug=tag)))
    if min_price is not None:
        result = result.filter(price__gte=min_price)
    if max_price is not None:
        result = result.filter(price__lte=max_price)
    if not (query and sort == RELEVANCE) and (not collection or sort not in ("title", RELEVANCE)):
        result = result.order_by(*PRODUCT_SORTS.get(sort, PRODUCT_SORTS["title"]))
    return with_details(result)


def search_products(query: str, *, sort: str = "title") -> QuerySet[Product]:
    """Active products whose title, description, tag or SKU contains every word of ``query`` (case-insensitive)."""
    return products(query=query.strip(), sort=sort)


def query_words(query: str) -> list[str]:
    """The words of a search, split at spaces: text without spaces (Chinese) is matched as written, inside
    longer text, so 茶杯 finds 手工陶瓷茶杯. Only the first MAX_QUERY_WORDS count."""
    return list(dict.fromkeys(query.lower().split()))[:MAX_QUERY_WORDS]


def _matches(query: str) -> Q:
    # Each place as a set of product ids read off its trigram index (``icontains`` is UPPER(col::text) LIKE, which
    # pg_trgm's GIN indexes answer): PostgreSQL hashes each set once and tests a row against it, where a
    # correlated EXISTS ran per product. A product with three matching variants still comes back once.
    #
    # Except for a word that many products' own title or description contains ("product" in every title): its set
    # would be the catalogue, collected and hashed whole before the first row of a page is read. For such a word
    # each row's own text is tested as the list is read in its order, so a page of it stops after its rows. Which
    # of the two a word gets is decided inside the same statement (an uncorrelated EXISTS, run once, that stops at
    # the COMMON_WORD_MATCHES-th match), so the query count stays the same.
    found = Q()
    for word in query_words(query):
        own_text = Q(title__icontains=word) | Q(description__icontains=word)
        common = Q(Exists(Product.objects.filter(own_text).order_by()[COMMON_WORD_MATCHES - 1 : COMMON_WORD_MATCHES]))
        in_text = Product.objects.filter(own_text).values("pk")
        in_translations = ProductTranslation.objects.filter(
            Q(title__icontains=word) | Q(description__icontains=word)
        ).values("product_id")
        in_tags = Product.tags.through.objects.filter(tag__name__icontains=word).values("product_id")
        in_skus = ProductVariant.objects.filter(sku__icontains=word).values("product_id")
        found &= (
            (common & own_text)
            | (~common & Q(pk__in=in_text))
            | Q(pk__in=in_translations)
            | Q(pk__in=in_tags)
            | Q(pk__in=in_skus)
        )
    return found


def _relevance(query: str) -> Expression:
    """A score for the relevance order: per query word, the weights of the places it was found."""
    parts: list[Expression] = []
    for word in query_words(query):
        tags = Product.tags.through.objects.filter(product=OuterRef("pk"))
        places = {
            # PostgreSQL's [[:alnum:]] knows every script's letters (the database's ctype is UTF-8), CJK included.
            "title_word": Q(title__iregex=rf"(^|[^[:alnum:]]){_regex_literal(word)}([^[:alnum:]]|$)"),
            "title": Q(title__icontains=word),
            "tag_name": Q(Exists(tags.filter(tag__name__iexact=word))),
            "tag": Q(Exists(tags.filter(tag__name__icontains=word))),
            "description": Q(description__icontains=word),
            "sku": Q(Exists(ProductVariant.objects.filter(product=OuterRef("pk"), sku__icontains=word))),
        }
        parts += [
            Case(When(condition, then=Value(_WEIGHTS[place])), default=Value(0), output_field=IntegerField())
            for place, condition in places.items()
        ]
    return reduce(operator.add, parts) if parts else Value(0, output_field=IntegerField())


def _regex_literal(word: str) -> str:
    """``word`` as a PostgreSQL regular expression matching itself: every character but letters and digits escaped
    (a backslash before a non-alphanumeric character is that character)."""
    return re.sub(r"([^\w])", r"\\\1", word)


def product(
    product_id: int, *, for_sale: bool = True, language: str | None = None, every_language: bool = False
) -> Product | None:
    """A product with its details (``for_sale``: if active), and its translations as ``with_texts`` adds them."""
    found = Product.objects.filter(pk=product_id)
    if for_sale:
        found = found.filter(status=Product.Status.ACTIVE)
    return with_texts(with_details(found), language=language, every_language=every_language).first()


def product_by_slug(slug: str, *, for_sale: bool = True) -> Product | None:
    found = Product.objects.filter(slug=slug)
    if for_sale:
        found = found.filter(status=Product.Status.ACTIVE)
    return with_details(found).first()


_PAGE_COLUMNS = (
    "id",
    "title",
    "description",
    "seo_title",
    "seo_description",
    "variant_rows",
    "image_rows",
    "option_names",
    "translation_rows",
)
_SLUG_MARK = "\x00slug"
# Columns that apps above the catalog add to the product page's one query (reviews: the product's rating), each
# registered once at start-up by the app's AppConfig.ready: name -> a function making the expression.
_page_columns_from_above: dict[str, Callable[[], Any]] = {}


def add_product_page_column(name: str, make_expression: Callable[[], Any]) -> None:
    """Have ``product_page_rows`` also return ``name``, computed by the expression ``make_expression()`` makes (over
    the product row, ``OuterRef("pk")`` being the product), in the same query."""
    _page_columns_from_above[name] = make_expression
    _product_page_sql.cache_clear()


def _product_page_query(slug: str) -> QuerySet[Product]:
    mine = {"product_id": OuterRef("pk")}
    variant_rows = ProductVariant.objects.filter(**mine).order_by("position", "id")
    image_rows = ProductImage.objects.filter(**mine).order_by("position", "id")
    return (
        Product.objects.filter(slug=slug, status=Product.Status.ACTIVE)
        .annotate(
            variant_rows=ArraySubquery(
                variant_rows.values(
                    row=JSONObject(
                        id="id",
                        sku="sku",
                        option1="option1",
                        option2="option2",
                        option3="option3",
                        # As text: a JSON number would come back as a float.
                        price=Cast("price", TextField()),
                        compare_at_price=Cast("compare_at_price", TextField()),
                        track_inventory="track_inventory",
                        continue_selling="continue_selling_when_out_of_stock",
                        stock="stock",
                    )
                )
            ),
            image_rows=ArraySubquery(
                image_rows.values(row=JSONObject(image="image", alt_text="alt_text", width="width", height="height"))
            ),
            option_names=ArraySubquery(ProductOption.objects.filter(**mine).order_by("position").values("name")),
            # Every language's text (a store offers a few): the page picks its own, so the SQL stays one text.
            translation_rows=ArraySubquery(
                ProductTranslation.objects.filter(**mine).values(
                    row=JSONObject(language="language", title="title", description="description")
                )
            ),
            **{name: make() for name, make in _page_columns_from_above.items()},
        )
        .values(*_PAGE_COLUMNS, *_page_columns_from_above)[:1]
    )


@lru_cache(maxsize=1)
def _product_page_sql() -> tuple[str, tuple]:
    """The product page's SQL, compiled once per process: building and compiling those subqueries cost several
    times what PostgreSQL takes to run them. Table names are unqualified (the store's schema is on the search
    path), so one text serves every store."""
    sql, params = _product_page_query(_SLUG_MARK).query.sql_with_params()
    return sql, tuple(params)


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def product_page_rows(slug: str) -> dict | None:
    """An active product as its page shows it, in one query and as plain data: its own fields plus ``variants``,
    ``images`` and ``option_names`` as lists of dicts (prices as decimal strings), with no model instances; title
    and description in the page's language when the product is translated into it (``language`` says which one
    they are in, None for the product's own).

    The page is rendered for every buyer who misses the page cache; prefetching four related managers cost more than
    printing the page.
    """
    sql, params = _product_page_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug if param == _SLUG_MARK else param for param in params])
        row = cursor.fetchone()
    if row is None:
        return None
    found = dict(zip((*_PAGE_COLUMNS, *_page_columns_from_above), row, strict=True))
    found["variant_rows"] = [_json(item) for item in found["variant_rows"]]
    found["image_rows"] = [_json(item) for item in found["image_rows"]]
    return _in_page_language(found, [_json(item) for item in found.pop("translation_rows")])


def _in_page_language(found: dict, translations: list[Any]) -> dict:
    language = translation.get_language()
    text = next((row for row in translations if row["language"] == language), None)
    found["language"] = None
    if text is not None:
        # The SEO texts are written in the default language only: the translated title and description stand in.
        found.update(title=text["title"], description=text["description"], seo_title="", seo_description="")
        found["language"] = language
    return found


def variants(*, for_sale: bool = True, sku: str = "", product_id: int | None = None) -> QuerySet[ProductVariant]:
    result = ProductVariant.objects.select_related("product").order_by("product__title", "product_id", "position", "id")
    if for_sale:
        result = result.filter(product__status=Product.Status.ACTIVE)
    if sku:
        result = result.filter(sku=sku)
    if product_id is not None:
        result = result.filter(product_id=product_id)
    return result


def variant(variant_id: int, *, for_sale: bool = True) -> ProductVariant | None:
    return variants(for_sale=for_sale).filter(pk=variant_id).first()


def variant_by_sku(sku: str) -> ProductVariant | None:
    return variants(for_sale=False, sku=sku).first()


def collections() -> QuerySet[Collection]:
    return Collection.objects.select_related("rule_tag").order_by("title", "id")


def collection_in_page_language(collection: Collection) -> Collection:
    """``collection`` as buyers of the page's language read it: its translation's title and description, else its
    own. Its SEO fields are written once in the default language, so a translated collection's give way to the
    translated text (as a product's do)."""
    row = page_language_row(collection.translations.all())
    if row is None:
        return collection
    texts = {"title": row.title, "description": row.description, "seo_title": "", "seo_description": ""}
    return in_page_language(collection, texts)


def collection(collection_id: int, *, language: str | None = None, every_language: bool = False) -> Collection | None:
    """A collection, with its translations as ``with_texts`` adds them."""
    found = collections().filter(pk=collection_id)
    return with_texts(found, language=language, every_language=every_language).first()


def collection_by_slug(slug: str) -> Collection | None:
    return collections().filter(slug=slug).first()


def collection_products(collection: Collection, *, for_sale: bool = True) -> QuerySet[Product]:
    """A collection's products: placed by hand in order (manual), or matching all its rules (rule-based)."""
    if collection.kind == Collection.Kind.MANUAL:
        result = Product.objects.filter(collection_memberships__collection=collection).order_by(
            "collection_memberships__position", "title", "id"
        )
    else:
        result = Product.objects.order_by("title", "id")
        if collection.rule_tag_id:
            result = result.filter(tags=collection.rule_tag_id)
        if collection.rule_min_price is not None:
            result = result.filter(price__gte=collection.rule_min_price)
        if collection.rule_max_price is not None:
            result = result.filter(price__lte=collection.rule_max_price)
    if for_sale:
        result = result.filter(status=Product.Status.ACTIVE)
    return result


def inventory_history(variant: ProductVariant) -> QuerySet[InventoryAdjustment]:
    return InventoryAdjustment.objects.filter(variant=variant).order_by("-created_at", "-id")


def catalog_import(import_id: int) -> CatalogImport | None:
    return CatalogImport.objects.defer("source").filter(pk=import_id).first()


def catalog_export(export_id: int, *, with_content: bool = False) -> CatalogExport | None:
    found = CatalogExport.objects.filter(pk=export_id)
    return (found if with_content else found.defer("content")).first()


def products_by_id(ids: list[int]) -> dict[int, Product]:
    return Product.objects.in_bulk(ids)


def product_image(image_id: int) -> ProductImage | None:
    return ProductImage.objects.filter(pk=image_id).first()
