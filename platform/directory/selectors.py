"""Reads of the directory: the product search with facets, and the store directory; public tables only."""

import hashlib
import html
import math
import re
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core import signing
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from platform.kit.cjk import CJK_CHARACTERS, OTHER_WORD, cjk_bigrams, cjk_runs, has_cjk, without_cjk
from platform.kit.hosts import site_url
from tenants.selectors import store_subdomain_host

from .models import (
    SAMPLE_MOD,
    SAMPLE_SQL,
    SEARCH_CONFIG,
    DirectoryStore,
    SponsoredCampaign,
    SponsoredDay,
    SponsoredOrder,
)
from .ranking import FOLLOWED_BOOST, STORE_WEIGHT

PAGE_SIZE = 20
MAX_PAGE = 50  # deeper pages are slow everywhere and wanted by nobody but crawlers
STORE_PAGE_SIZE = 24
MAX_QUERY_CHARS = 200
STORE_FACETS = 10
TAG_FACETS = 12
BROWSE_FACET_SECONDS = 60
# A search matching at most EXACT_LIMIT listings is counted, faceted and ranked exactly. A broader one ("mug",
# "game": tens of thousands) ranks the first EXACT_LIMIT matches the index gives (relevance order only; price
# and newest stay exact) and estimates its total and facet counts from the 1-in-SAMPLE_MOD sample index,
# flagged ``approximate``: reading every match from the table costs ~5 µs each, 100 ms at 20,000 matches.
EXACT_LIMIT = 3000
# Price facet buckets: width_bucket() numbers them 0..5 by these upper bounds.
PRICE_BOUNDS = (10, 25, 50, 100, 250)
PRICE_RANGES = {
    "0-10": (None, Decimal(10)),
    "10-25": (Decimal(10), Decimal(25)),
    "25-50": (Decimal(25), Decimal(50)),
    "50-100": (Decimal(50), Decimal(100)),
    "100-250": (Decimal(100), Decimal(250)),
    "250-": (Decimal(250), None),
}
PRICE_LABELS = {
    "0-10": "Under 10",
    "10-25": "10 to 25",
    "25-50": "25 to 50",
    "50-100": "50 to 100",
    "100-250": "100 to 250",
    "250-": "250 and up",
}
SORTS = {
    "relevance": "rank DESC, id DESC",
    "price": "price ASC, id ASC",
    "-price": "price DESC, id DESC",
    "newest": "created_at DESC, id DESC",
}
# ts_headline marks matches with these private-use characters; the text is escaped, then they become <mark>.
_START, _STOP = "\ue000", "\ue001"
_HEADLINE = f"StartSel={_START}, StopSel={_STOP}"
# SQL below is assembled from the constants of this module and the SORTS whitelist only; values go as parameters.
# A query's words as the typo corrector sees them: words of letters or numbers, and CJK runs, which it keeps as given.
_QUERY_TOKEN = re.compile(f"[{CJK_CHARACTERS}]+|{OTHER_WORD.pattern}")
# How a CJK query's match ranks, by where its runs were found as written: the title (the run standing on its own,
# 景德镇 茶杯, before inside a longer run, 手工陶瓷茶杯), a tag of its own, inside a tag, the store's name, else the
# description or pairs found apart. ts_rank (below 1 for these short texts) orders the matches of one tier.
_CJK_TIERS = (
    ("l.title ~ %(cjk_whole)s", 10),
    ("l.title ~ %(cjk_any)s", 8),
    ("l.tags && %(cjk_runs)s::varchar[]", 6),
    ("l.tags_text ~ %(cjk_any)s", 4),
    ("l.store_name ~ %(cjk_any)s", 2),
)
# Characters of description shown around the first CJK match (ts_headline counts "words", which CJK text lacks).
_CJK_SNIPPET_BEFORE, _CJK_SNIPPET_AFTER = 30, 90


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    store: str = ""
    tag: str = ""
    price: str = ""
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_query(cls, data: Mapping[str, str]) -> "SearchParams":
        get = data.get
        try:
            page = max(1, min(MAX_PAGE, int(get("page") or 1)))
        except ValueError:
            page = 1
        sort = get("sort") or "relevance"
        return cls(
            q=(get("q") or "").strip()[:MAX_QUERY_CHARS],
            store=(get("store") or "").strip()[:63],
            tag=(get("tag") or "").strip().lower()[:64],
            price=get("price", "") if get("price") in PRICE_RANGES else "",
            in_stock=(get("in_stock") or "") in ("1", "true", "on"),
            sort=sort if sort in SORTS else "relevance",
            page=page,
        )


@dataclass(frozen=True)
class Offer:
    """One store's listing of an item several stores sell, with that store's fed reputation."""

    store_slug: str
    store_name: str
    price: Decimal
    currency: str
    in_stock: bool
    url: str
    rating: Decimal | None
    review_count: int
    on_time_percent: Decimal | None
    # The store's lowest shipping price ("shipping from"); None when it has no priced rate.
    shipping_from: Decimal | None = None


@dataclass(frozen=True)
class Hit:
    listing_id: int
    store_id: int
    product_id: int
    store_slug: str
    store_name: str
    title: str
    title_html: str
    snippet_html: str
    price: Decimal
    currency: str
    image_url: str
    in_stock: bool
    created_at: datetime
    url: str
    store_url: str
    # While a store's promotion runs: the usual price and the promotion's name ("" and None otherwise).
    list_price: Decimal | None = None
    promotion_name: str = ""
    # Every visible listing of the same item (ranking.group_key), cheapest first, this one among them; empty when
    # the item is sold by this store alone.
    offers: tuple[Offer, ...] = ()

    @property
    def store_count(self) -> int:
        return len({offer.store_slug for offer in self.offers}) or 1

    @property
    def lowest_price(self) -> Decimal:
        return min((offer.price for offer in self.offers), default=self.price)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    params: SearchParams
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    corrected_query: str = ""
    # True when more than EXACT_LIMIT listings matched: the total and facet counts are estimates from a sample.
    approximate: bool = False
    # At most SPONSORED_PER_PAGE promoted listings the query's text matches, shown above the results.
    sponsored: list["SponsoredHit"] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, math.ceil(self.total / PAGE_SIZE))


def search(params: SearchParams, *, boost_store_ids: Collection[int] = ()) -> SearchResult:
    """Listings matching ``params`` by relevance (or price, newest), one page of them, and facet counts.

    Relevance is the text match times the store's score (reputation and recent sales, ``ranking``); the stores of
    ``boost_store_ids`` (a signed-in buyer's followed stores) rank a little higher again. Listings of the same item
    from several stores come as one result with its ``offers``. A query that finds nothing is retried with each
    unknown word replaced by the nearest known one ("cofee" → "coffee"), then by trigram similarity of titles.
    Facets count the whole filtered match set (listings, not grouped results).
    """
    filters, filter_params = _filters(params)
    if filters is None:
        return SearchResult(params=params)
    if not params.q:
        return _browse(params, filters, filter_params)
    boost = sorted({int(store_id) for store_id in boost_store_ids})
    if boost:
        filter_params["boost_store_ids"] = boost
    text, text_values = _text_match(params.q, boosted=bool(boost))
    result = _run(params, text, {**text_values, **filter_params}, filters)
    if result.total:
        result.sponsored = _sponsored(text, {**text_values, **filter_params}, filters)
        return result
    corrected = corrected_query(params.q)
    if corrected:
        text, text_values = _text_match(corrected, boosted=bool(boost))
        result = _run(params, text, {**text_values, **filter_params}, filters)
        if result.total:
            result.corrected_query = corrected
            result.sponsored = _sponsored(text, {**text_values, **filter_params}, filters)
            return result
    if has_cjk(params.q):
        # Trigram similarity of whole CJK runs finds titles that share a few characters with the query but mean
        # something else (手工电脑 ~ 手工陶瓷茶杯): a CJK query that matched nothing has no results.
        return result
    rank = "similarity(l.title, %(q)s)" + _store_factor(boosted=bool(boost))
    similar = {"where": "l.title %% %(q)s", "rank": rank, "tsquery": "", "cjk_runs": []}
    return _run(params, similar, {"q": params.q, **filter_params}, filters)


def _store_factor(*, boosted: bool) -> str:
    """The SQL factor the text rank is multiplied by: the store's score, and the buyer's followed stores."""
    factor = f" * (1 + {STORE_WEIGHT} * l.store_score)"
    if boosted:
        factor += f" * (CASE WHEN l.store_id = ANY(%(boost_store_ids)s) THEN {FOLLOWED_BOOST} ELSE 1 END)"
    return factor


def _text_match(query: str, *, boosted: bool = False) -> tuple[dict, dict[str, object]]:
    """The full-text condition, rank and highlight query of ``query``, and their parameters.

    Words of other scripts go through ``websearch_to_tsquery`` as always (quotes, ``or``, ``-word``); each CJK run
    becomes its overlapping character pairs, all required (a one-character run is its own term), matching the
    pairs ``directory_search_text`` indexed (migration 0003).
    """
    runs = cjk_runs(query)
    if not runs:
        tsquery = f"websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s)"
        rank = f"ts_rank(l.search, {tsquery})" + _store_factor(boosted=boosted)
        match = {"where": f"l.search @@ {tsquery}", "rank": rank, "tsquery": tsquery}
        return {**match, "cjk_runs": []}, {"q": query}
    parts = [f"to_tsquery('{SEARCH_CONFIG}', %(q_cjk)s)"]
    values: dict[str, object] = {
        "q_cjk": " & ".join(dict.fromkeys(gram for run in runs for gram in cjk_bigrams(run))),
        "cjk_runs": runs,
        # Runs hold CJK characters only, none of them special in a regular expression.
        "cjk_any": f"({'|'.join(runs)})",
        "cjk_whole": f"(^|[^{CJK_CHARACTERS}])({'|'.join(runs)})([^{CJK_CHARACTERS}]|$)",
    }
    rest = without_cjk(query)
    # ts_headline marks the query's other words; its CJK runs are marked in Python (_hits), never twice.
    headline = ""
    if OTHER_WORD.search(rest):
        headline = f"websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s)"
        parts.insert(0, headline)
        values["q"] = rest
    tsquery = "(" + " && ".join(parts) + ")"
    tiers = " ".join(f"WHEN {condition} THEN {tier}" for condition, tier in _CJK_TIERS)
    # The store's score orders matches within a tier (ts_rank is below 1), never across tiers.
    rank = f"CASE {tiers} ELSE 0 END + ts_rank(l.search, {tsquery}){_store_factor(boosted=boosted)}"
    return {"where": f"l.search @@ {tsquery}", "rank": rank, "tsquery": headline, "cjk_runs": runs}, values


def corrected_query(query: str) -> str:
    """``query`` with each word no title, tag or store name has replaced by the most similar one that does.

    Returns "" when no word needed (or found) a correction. Looks at the word list, never at the listings.
    CJK runs are kept as given: the index finds any run of characters, so a CJK run that finds nothing is not a
    typo of some longer title, and the word list holds no CJK.
    """
    words = [word.lower() for word in _QUERY_TOKEN.findall(query)]
    changed = False
    corrected = []
    with connection.cursor() as cursor:
        for word in words:
            if has_cjk(word):
                corrected.append(word)
                continue
            cursor.execute(
                "SELECT word FROM directory_searchterm WHERE word %% %s ORDER BY word <-> %s, word LIMIT 1",
                [word, word],
            )
            row = cursor.fetchone()
            if row and row[0] != word:
                corrected.append(row[0])
                changed = True
            else:
                corrected.append(word)
    return " ".join(corrected) if changed else ""


def _filters(params: SearchParams) -> tuple[str | None, dict]:
    clauses: list[str] = []
    values: dict[str, object] = {}
    if params.store:
        store_id = DirectoryStore.objects.filter(slug=params.store, listed=True).values_list("pk", flat=True).first()
        if store_id is None:
            return None, {}
        clauses.append("l.store_id = %(store_id)s")
        values["store_id"] = store_id
    if params.tag:
        clauses.append("l.tags @> ARRAY[%(tag)s]::varchar[]")
        values["tag"] = params.tag
    if params.price:
        low, high = PRICE_RANGES[params.price]
        if low is not None:
            clauses.append("l.price >= %(price_low)s")
            values["price_low"] = low
        if high is not None:
            clauses.append("l.price < %(price_high)s")
            values["price_high"] = high
    if params.in_stock:
        clauses.append("l.in_stock")
    return "".join(f" AND {clause}" for clause in clauses), values


def _match_set(where: str, rank: str, filters: str, limit: str = "") -> str:
    return f"""
        WITH m AS MATERIALIZED (
            SELECT l.id, l.store_id, l.tags, l.price, l.in_stock, l.created_at, l.group_key, {rank} AS rank
              FROM directory_listing l
             WHERE l.visible AND {where}{filters}{limit}
        )"""  # noqa: S608


_FACETS_SQL = f"""
    SELECT 'total', '', count(*) FROM m
    UNION ALL (SELECT 'store', store_id::text, count(*) FROM m GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT {STORE_FACETS})
    UNION ALL (SELECT 'tag', t, count(*) FROM m CROSS JOIN LATERAL unnest(m.tags) AS t
               GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT {TAG_FACETS})
    UNION ALL (SELECT 'price', width_bucket(price, ARRAY{list(PRICE_BOUNDS)}::numeric[])::text, count(*)
               FROM m GROUP BY 2)
    UNION ALL (SELECT 'in_stock', in_stock::text, count(*) FROM m GROUP BY 2)"""  # noqa: S608


def _page_sql(order: str) -> str:
    # One result per item: of the listings sharing a group key, the first in the page's order stands for them all.
    # Only grouped rows (a few) are sorted by key; the others go straight to the page's top-N sort, as before.
    return f"""
    (SELECT 'hit', id::text, row_number() OVER ()
       FROM (SELECT id FROM (SELECT id, rank, price, created_at FROM m WHERE group_key = ''
                             UNION ALL
                             SELECT id, rank, price, created_at
                               FROM (SELECT DISTINCT ON (group_key) id, rank, price, created_at
                                       FROM m WHERE group_key <> '' ORDER BY group_key, {order}) grouped) best
              ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) page)"""  # noqa: S608


def _run(params: SearchParams, match: dict, values: dict, filters: str) -> SearchResult:
    """The match set (at most EXACT_LIMIT + 1 rows) once, then its facet counts and the requested page of ids.

    More than EXACT_LIMIT matches: the counts come from the sample instead (``_estimate``), relevance ranks
    those EXACT_LIMIT + 1 candidates, and a price or newest order is read exactly by ``_ordered_page``.
    """
    sql = (
        _match_set(match["where"], match["rank"], filters, " LIMIT %(cap)s")
        + _FACETS_SQL
        + " UNION ALL "
        + _page_sql(SORTS[params.sort])
    )
    values = {**values, "cap": EXACT_LIMIT + 1, "limit": PAGE_SIZE, "offset": (params.page - 1) * PAGE_SIZE}
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    result = SearchResult(params=params)
    page_ids = [int(key) for kind, key, _ in sorted(rows, key=lambda row: row[2]) if kind == "hit"]
    if sum(count for kind, _, count in rows if kind == "total") <= EXACT_LIMIT:
        _read_facets(result, rows)
    else:
        result.approximate = True
        _read_facets(result, _estimate(match, values, filters))
        if params.sort != "relevance":
            page_ids = _ordered_page(match, values, filters, SORTS[params.sort])
    result.hits = _hits(page_ids, match["tsquery"], values, cjk=match["cjk_runs"])  # tsquery: for ts_headline
    return result


def _estimate(match: dict, values: dict, filters: str) -> list[tuple]:
    """Facet rows of a broad search counted over the sample index and scaled up; the total at least the cap."""
    sql = _match_set(f"{SAMPLE_SQL} AND {match['where']}", "0", filters) + _FACETS_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    scaled = [(kind, key, _about(count * SAMPLE_MOD)) for kind, key, count in rows]
    return [(kind, key, max(count, EXACT_LIMIT + 1) if kind == "total" else count) for kind, key, count in scaled]


def _about(count: int) -> int:
    """``count`` to two significant digits: an estimate should not look more precise than it is."""
    if count < 100:
        return count
    step = 10 ** (len(str(count)) - 2)
    return round(count / step) * step


def _ordered_page(match: dict, values: dict, filters: str, order: str) -> list[int]:
    """One page of a broad search in an exact price or newest order (the btree indexes of the order)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id FROM directory_listing l WHERE l.visible AND {match['where']}{filters} "  # noqa: S608
            f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
            values,
        )
        return [row[0] for row in cursor.fetchall()]


def _browse(params: SearchParams, filters: str, values: dict) -> SearchResult:
    """No query: newest first (or by price); facets of the whole directory are cached for a minute."""
    order = SORTS["newest" if params.sort == "relevance" else params.sort]
    key = "directory:browse:" + hashlib.sha256(repr((params.store, params.tag, params.price, params.in_stock,
                                                     values)).encode()).hexdigest()  # fmt: skip
    rows = cache.get(key)
    if rows is None:
        with connection.cursor() as cursor:
            cursor.execute(_match_set("TRUE", "0", filters) + _FACETS_SQL, values)
            rows = cursor.fetchall()
        cache.set(key, rows, BROWSE_FACET_SECONDS)
    result = SearchResult(params=params)
    _read_facets(result, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id FROM directory_listing l WHERE l.visible{filters} "  # noqa: S608
            f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
            {**values, "limit": PAGE_SIZE, "offset": (params.page - 1) * PAGE_SIZE},
        )
        page_ids = [row[0] for row in cursor.fetchall()]
    result.hits = _hits(page_ids, "", values)
    return result


def _read_facets(result: SearchResult, rows: list[tuple]) -> None:
    params = result.params
    stores, tags, prices, stock = [], [], {}, {}
    for kind, key, count in rows:
        if kind == "total":
            result.total = count
        elif kind == "store":
            stores.append((int(key), count))
        elif kind == "tag":
            tags.append(FacetValue(key, key, count, key == params.tag))
        elif kind == "price":
            prices[list(PRICE_RANGES)[int(key)]] = count
        elif kind == "in_stock":
            stock[key == "true"] = count
    cards = {card.pk: card for card in DirectoryStore.objects.filter(pk__in=[pk for pk, _ in stores])}
    result.facets = {
        "store": [
            FacetValue(cards[pk].slug, cards[pk].name, count, cards[pk].slug == params.store)
            for pk, count in stores
            if pk in cards
        ],
        "tag": tags,
        "price": [
            FacetValue(value, PRICE_LABELS[value], prices[value], value == params.price)
            for value in PRICE_RANGES
            if value in prices
        ],
        "in_stock": [FacetValue("1", "In stock", stock.get(True, 0), params.in_stock)],
    }


def _hits(ids: list[int], tsquery: str, values: dict, *, cjk: list[str] | None = None) -> list[Hit]:
    """The listings of ``ids`` in that order, with the query's words marked in the title and a description snippet.

    ``cjk``: the query's CJK runs, marked here in Python (ts_headline marks whole parsed words, and a CJK sentence
    is one), the snippet then cut around the first of them in the description.
    """
    if not ids:
        return []
    if tsquery:
        title = f"ts_headline('{SEARCH_CONFIG}', l.title, {tsquery}, 'HighlightAll=true, {_HEADLINE}')"
        snippet = f"ts_headline('{SEARCH_CONFIG}', l.description, {tsquery}, 'MaxWords=30, MinWords=12, {_HEADLINE}')"
    else:
        title, snippet = "l.title", "left(l.description, 200)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT l.id, l.store_id, l.product_id, l.store_slug, l.store_name, l.product_slug, l.title, l.price,
                   l.currency, l.image_url, l.in_stock, l.created_at, {title}, {snippet}, l.description,
                   l.list_price, l.promotion_name, l.group_key, {_OFFERS_SQL} AS offers
              FROM directory_listing l
             WHERE l.id = ANY(%(ids)s) AND l.visible
            """,  # noqa: S608
            {**values, "ids": ids},
        )
        fetched = cursor.fetchall()
    rows = {row[0]: row[:-1] for row in fetched}
    # The item's key (the row's second-to-last column) → its offers (the last).
    offers = {row[-2]: _offer_list(row[-1]) for row in fetched if row[-2]}
    hits = []
    shown_items = set()
    for listing_id in ids:
        if listing_id not in rows:
            continue  # hidden between the two statements
        (_, store_id, product_id, store_slug, store_name, product_slug, title, price, currency, image_url, in_stock,
         created_at, title_marked, snippet_marked, description, list_price, promotion_name, item) = rows[listing_id]  # fmt: skip
        if item:
            if item in shown_items:
                continue  # the same item already stands on this page (a page read without grouping)
            shown_items.add(item)
        if cjk:
            title_marked = _mark_cjk(title_marked, cjk)
            snippet_marked = _mark_cjk(_cjk_snippet(description, cjk) or snippet_marked, cjk)
        host = store_subdomain_host(store_slug)
        hits.append(
            Hit(
                listing_id=listing_id,
                store_id=store_id,
                product_id=product_id,
                store_slug=store_slug,
                store_name=store_name,
                title=title,
                title_html=_marked(title_marked),
                snippet_html=_marked(snippet_marked),
                price=price,
                currency=currency,
                image_url=site_url(host, image_url) if image_url.startswith("/") else image_url,
                in_stock=in_stock,
                created_at=created_at,
                url=site_url(host, f"/products/{product_slug}/"),
                store_url=site_url(host, "/"),
                list_price=list_price,
                promotion_name=promotion_name,
                offers=tuple(offers.get(item, ())) if len(offers.get(item, ())) > 1 else (),
            )
        )
    return hits


# Every visible listing of the same item (group key), cheapest first, with its store's reputation: read in the hits'
# statement itself (one round trip), only for a listing that has a key. ``o.group_key <> ''`` lets the planner use the
# partial index (directory_listing_group); without it each grouped row cost a scan of the table.
_OFFERS_SQL = """(SELECT json_agg(json_build_array(o.store_slug, o.store_name, o.product_slug, o.price::text,
                                                  o.currency, o.in_stock, s.rating::text, s.review_count,
                                                  s.on_time_percent::text, s.shipping_from::text)
                                 ORDER BY o.price, o.store_score DESC, o.id)
                    FROM directory_listing o JOIN directory_directorystore s ON s.store_id = o.store_id
                   WHERE l.group_key <> '' AND o.visible AND o.group_key <> '' AND o.group_key = l.group_key)"""


def _offer_list(found: list | None) -> list[Offer]:
    offers = []
    for slug, name, product_slug, price, currency, in_stock, rating, review_count, on_time, shipping in found or []:
        host = store_subdomain_host(slug)
        offers.append(
            Offer(
                slug,
                name,
                Decimal(price),
                currency,
                in_stock,
                site_url(host, f"/products/{product_slug}/"),
                None if rating is None else Decimal(rating),
                review_count,
                None if on_time is None else Decimal(on_time),
                None if shipping is None else Decimal(shipping),
            )
        )
    return offers


def _mark_cjk(text: str, runs: list[str]) -> str:
    """``text`` with each occurrence of the query's CJK runs between the headline markers."""
    pattern = "|".join(re.escape(run) for run in sorted(set(runs), key=len, reverse=True))
    return re.sub(pattern, lambda found: f"{_START}{found.group(0)}{_STOP}", text)


def _cjk_snippet(description: str, runs: list[str]) -> str:
    """A window of ``description`` around the first of ``runs`` it holds ("" when none)."""
    found = [index for run in runs if (index := description.find(run)) >= 0]
    if not found:
        return ""
    start = max(0, min(found) - _CJK_SNIPPET_BEFORE)
    end = min(len(description), min(found) + _CJK_SNIPPET_AFTER)
    return ("…" if start else "") + description[start:end] + ("…" if end < len(description) else "")


def _marked(text: str) -> str:
    """Escape ``text`` as HTML, turning the headline markers into <mark> elements."""
    return html.escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")


# --- Sponsored placement -----------------------------------------------------------------------------------

SPONSORED_PER_PAGE = 2
CLICK_SALT = "mercato.directory.sponsored-click"


@dataclass(frozen=True)
class SponsoredHit:
    """A promoted listing shown above the results, labelled "Sponsored"; its link goes through the click counter."""

    hit: Hit
    campaign_pk: int
    click_url: str


def _sponsored(match: dict, values: dict, filters: str) -> list[SponsoredHit]:
    """Promoted listings the query's text matches (the same condition and filters as the results), from active
    campaigns whose day's budget can still pay a click, of visible listings only (a suspended, closed or opted-out
    store has none); the highest price per click first, then relevance; at most SPONSORED_PER_PAGE."""
    if not _any_campaign_running():
        return []
    now = timezone.now()
    today = now.date()
    # The running campaigns first (a small table), then only their products' listings, by the (store, product)
    # index: joining the other way would make the planner read the whole text match set a second time.
    running = (
        SponsoredCampaign.objects.filter(running_campaigns(now))
        .exclude(spend_day=today, spent_today__gt=F("daily_budget") - F("cost_per_click"))
        .filter(daily_budget__gte=F("cost_per_click"))
        .values_list("pk", "store_id", "product_ids", "cost_per_click")
    )
    pairs = [
        (pk, store_id, product_id, cpc) for pk, store_id, product_ids, cpc in running for product_id in product_ids
    ]
    if not pairs:
        return []
    campaign_ids, store_ids, product_ids, prices = (list(column) for column in zip(*pairs, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, campaign FROM (
                SELECT DISTINCT ON (l.id) l.id, c.campaign, c.cost_per_click, {match["rank"]} AS rank
                  FROM unnest(%(sp_campaign)s::bigint[], %(sp_store)s::bigint[], %(sp_product)s::bigint[],
                              %(sp_cpc)s::numeric[]) AS c(campaign, store_id, product_id, cost_per_click)
                  JOIN directory_listing l ON l.store_id = c.store_id AND l.product_id = c.product_id
                 WHERE l.visible AND {match["where"]}{filters}
                 ORDER BY l.id, c.cost_per_click DESC, c.campaign) promoted
             ORDER BY cost_per_click DESC, rank DESC, id
             LIMIT %(sp_limit)s
            """,  # noqa: S608
            {**values, "sp_campaign": campaign_ids, "sp_store": store_ids, "sp_product": product_ids,
             "sp_cpc": prices, "sp_limit": SPONSORED_PER_PAGE},
        )  # fmt: skip
        rows = cursor.fetchall()
    if not rows:
        return []
    campaigns = dict(rows)
    hits = _hits([listing_id for listing_id, _ in rows], match["tsquery"], values, cjk=match["cjk_runs"])
    return [
        SponsoredHit(hit, campaigns[hit.listing_id], _click_url(campaigns[hit.listing_id], hit.product_id))
        for hit in hits
        if hit.listing_id in campaigns
    ]


# Whether any campaign is active, remembered per process for ANY_CAMPAIGN_SECONDS: a directory without running
# campaigns (most searches of a young marketplace) then pays no extra statement; a new campaign shows within that.
ANY_CAMPAIGN_SECONDS = 10.0
_any_campaign: tuple[float, bool] = (0.0, False)


def running_campaigns(now: datetime) -> Q:
    """Campaigns not paused whose dates hold ``now`` (start included, end excluded; no date: open)."""
    return (
        Q(active=True)
        & (Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    )


def _any_campaign_running() -> bool:
    global _any_campaign
    checked_at, running = _any_campaign
    now = time.monotonic()
    if now - checked_at > ANY_CAMPAIGN_SECONDS:
        # Not yet started ones count: one starting within ANY_CAMPAIGN_SECONDS must not wait for the next look.
        running = SponsoredCampaign.objects.filter(active=True).exclude(ends_at__lte=timezone.now()).exists()
        _any_campaign = (now, running)
    return running


def forget_running_campaigns() -> None:
    """Make this process look again at once (after publishing a campaign here, and in tests)."""
    global _any_campaign
    _any_campaign = (0.0, False)


def _click_url(campaign_pk: int, product_id: int) -> str:
    token = signing.dumps([campaign_pk, product_id], salt=CLICK_SALT, compress=True)
    # A path of the platform site (urls.py), built here: search() may run under a store's URLconf (a worker, a test).
    return f"/sponsored/click/{token}/"


def read_click_token(token: str) -> tuple[int, int] | None:
    """The (campaign, product) a click link was made for, or None when it was not made here."""
    try:
        campaign_pk, product_id = signing.loads(token, salt=CLICK_SALT)
        return int(campaign_pk), int(product_id)
    except (signing.BadSignature, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ClickTarget:
    store_id: int
    url: str
    # The campaign's id in the store's own schema, which the order reference carried to the store names.
    campaign_id: int


def sponsored_target(*, campaign_pk: int, product_id: int) -> ClickTarget | None:
    """Where a sponsored click goes: the product's page on its store, while the listing is visible."""
    campaign = SponsoredCampaign.objects.filter(pk=campaign_pk).values("store_id", "campaign_id").first()
    if campaign is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT store_slug, product_slug FROM directory_listing WHERE store_id = %s AND product_id = %s AND visible",
            [campaign["store_id"], product_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    url = site_url(store_subdomain_host(row[0]), f"/products/{row[1]}/")
    return ClickTarget(campaign["store_id"], url, campaign["campaign_id"])


def campaign_figures(*, store_id: int, campaign_ids: list[int]) -> dict[int, tuple[int, int, Decimal]]:
    """(impressions, clicks, spend) of each of the store's campaigns (ids in its schema) since it started."""
    rows = (
        SponsoredDay.objects.filter(campaign__store_id=store_id, campaign__campaign_id__in=campaign_ids)
        .values("campaign__campaign_id")
        .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"), spend=Sum("spend"))
    )
    return {
        row["campaign__campaign_id"]: (row["impressions"] or 0, row["clicks"] or 0, row["spend"] or Decimal(0))
        for row in rows
    }


def campaign_orders(*, store_id: int, campaign_ids: list[int]) -> dict[int, dict[str, tuple[int, Decimal]]]:
    """Orders paid after a sponsored click, per campaign of the store (ids in its schema): {currency: (count, total)}."""
    rows = (
        SponsoredOrder.objects.filter(campaign__store_id=store_id, campaign__campaign_id__in=campaign_ids)
        .values("campaign__campaign_id", "currency")
        .annotate(count=Count("id"), amount=Sum("total"))
        .order_by("campaign__campaign_id", "currency")
    )
    found: dict[int, dict[str, tuple[int, Decimal]]] = {}
    for row in rows:
        found.setdefault(row["campaign__campaign_id"], {})[row["currency"]] = (row["count"], row["amount"])
    return found


# --- Stores -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreCard:
    slug: str
    name: str
    tagline: str
    logo_url: str
    rating: Decimal | None
    product_count: int
    url: str
    # The reputation the store fed (storefront.reviews.reputation); None where it had nothing to count.
    review_count: int = 0
    on_time_percent: Decimal | None = None
    median_response_minutes: int | None = None
    cancellation_percent: Decimal | None = None


def directory_stores(*, q: str = "", page: int | str = 1) -> Page:
    """Listed stores by name, matching ``q`` in their name or tagline (typos in the name tolerated)."""
    stores = DirectoryStore.objects.filter(listed=True)
    q = q.strip()[:MAX_QUERY_CHARS]
    if q:
        stores = stores.filter(Q(name__icontains=q) | Q(tagline__icontains=q) | Q(name__trigram_similar=q))
    paginator = Paginator(stores.order_by("name", "store_id"), STORE_PAGE_SIZE)
    # The page goes out with cards in place of the rows it was cut from: its item type changes here.
    result: Page = paginator.get_page(page)
    result.object_list = [_card(store) for store in result.object_list]
    return result


def _card(store: DirectoryStore) -> StoreCard:
    host = store_subdomain_host(store.slug)
    logo = site_url(host, store.logo_url) if store.logo_url.startswith("/") else store.logo_url
    return StoreCard(
        store.slug,
        store.name,
        store.tagline,
        logo,
        store.rating,
        store.product_count,
        site_url(host),
        review_count=store.review_count,
        on_time_percent=store.on_time_percent,
        median_response_minutes=store.median_response_minutes,
        cancellation_percent=store.cancellation_percent,
    )


def directory_card(*, store_id: int) -> DirectoryStore | None:
    """The store's card in the directory, with the seller's listing choices (None before its first sync)."""
    return DirectoryStore.objects.filter(pk=store_id).first()
