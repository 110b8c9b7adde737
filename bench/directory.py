"""How fast the cross-store directory answers searches, and how fast store changes reach it.

Seeds a throw-away database with 1,000,000 listings from 2,000 stores (--quick: 100,000 from 200) by COPY, a fifth
of them in Chinese (titles such as 手工陶瓷茶杯, Chinese tags and descriptions), then times a mix of realistic
queries (one word, two words, a typo, with facets, a deep page, by price; and in Chinese a word, one character, a
whole title, mixed with a Latin word, with facets, and characters no listing has) through the JSON endpoint, side
by side with a naive ILIKE baseline over the same table. Then measures indexing: products changed in real store
schemas, their outboxes drained by a real Celery worker.

    .venv/bin/python bench/directory.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from _setup import REPO, percentile, start

TARGET_P95 = 0.050
TARGET_RATE = 2000

ADJECTIVES = [
    "rustic",
    "modern",
    "vintage",
    "handmade",
    "speckled",
    "classic",
    "minimal",
    "bold",
    "soft",
    "bright",
    "dark",
    "warm",
    "cosy",
    "sturdy",
    "light",
    "heavy",
    "tiny",
    "large",
    "small",
    "tall",
    "round",
    "square",
    "oval",
    "striped",
    "dotted",
    "floral",
    "plain",
    "glossy",
    "matte",
    "woven",
    "knitted",
    "carved",
    "painted",
    "polished",
    "brushed",
    "hammered",
    "recycled",
    "organic",
    "natural",
    "wild",
    "coastal",
    "alpine",
    "urban",
    "nordic",
    "tropical",
    "golden",
    "silver",
    "amber",
    "indigo",
    "crimson",
    "emerald",
    "ivory",
    "charcoal",
    "olive",
    "coral",
    "sage",
]
MATERIALS = [
    "ceramic",
    "stoneware",
    "porcelain",
    "linen",
    "cotton",
    "wool",
    "leather",
    "walnut",
    "oak",
    "ash",
    "bamboo",
    "brass",
    "copper",
    "iron",
    "steel",
    "glass",
    "marble",
    "slate",
    "cork",
    "felt",
    "silk",
    "denim",
    "canvas",
    "rattan",
    "jute",
    "clay",
    "beeswax",
    "soy",
    "paper",
]
NOUNS = [
    "mug",
    "cup",
    "bowl",
    "plate",
    "vase",
    "teapot",
    "kettle",
    "candle",
    "lamp",
    "pillow",
    "blanket",
    "throw",
    "rug",
    "basket",
    "tray",
    "board",
    "spoon",
    "knife",
    "fork",
    "ladle",
    "skillet",
    "pan",
    "pot",
    "jar",
    "bottle",
    "carafe",
    "pitcher",
    "glass",
    "tumbler",
    "coaster",
    "napkin",
    "apron",
    "towel",
    "scarf",
    "hat",
    "beanie",
    "glove",
    "sock",
    "sweater",
    "cardigan",
    "jacket",
    "tote",
    "backpack",
    "wallet",
    "purse",
    "belt",
    "bracelet",
    "necklace",
    "earring",
    "ring",
    "pendant",
    "brooch",
    "watch",
    "notebook",
    "journal",
    "pen",
    "pencil",
    "print",
    "poster",
    "frame",
    "mirror",
    "clock",
    "shelf",
    "stool",
    "chair",
    "bench",
    "table",
    "desk",
    "planter",
    "pot",
    "terrarium",
    "soap",
    "lotion",
    "balm",
    "candleholder",
    "incense",
    "diffuser",
    "puzzle",
    "kite",
    "doll",
    "robot",
    "train",
    "truck",
    "blocks",
    "marbles",
    "game",
    "deck",
    "dice",
    "coffee",
    "tea",
    "honey",
    "jam",
    "chocolate",
    "granola",
    "spice",
    "sauce",
    "oil",
    "vinegar",
    "tent",
    "lantern",
    "hammock",
    "compass",
    "bicycle",
    "helmet",
    "skateboard",
    "surfboard",
    "paddle",
    "fishing",
    "rod",
    "reel",
]
CATEGORIES = [
    "kitchen",
    "home",
    "decor",
    "lighting",
    "textiles",
    "apparel",
    "accessories",
    "jewellery",
    "stationery",
    "art",
    "furniture",
    "garden",
    "bath",
    "beauty",
    "toys",
    "games",
    "pantry",
    "outdoors",
    "sports",
    "gifts",
]
FILLER = [
    "made",
    "with",
    "care",
    "in",
    "small",
    "batches",
    "every",
    "piece",
    "is",
    "unique",
    "and",
    "finished",
    "by",
    "hand",
    "ships",
    "within",
    "three",
    "days",
    "perfect",
    "as",
    "a",
    "gift",
    "for",
    "someone",
    "special",
    "designed",
    "to",
    "last",
    "for",
    "years",
    "easy",
    "to",
    "clean",
    "and",
    "care",
    "for",
]

# The Chinese fifth of the corpus: titles written without spaces (adjective + material + noun, 手工陶瓷茶杯).
CN_ADJECTIVES = ["手工", "复古", "简约", "现代", "日式", "北欧", "原木", "创意", "精致", "家用", "大号", "小号",
                 "加厚", "便携", "经典", "彩色", "纯色", "古风", "轻奢", "田园"]  # fmt: skip
CN_MATERIALS = ["陶瓷", "玻璃", "竹制", "木质", "不锈钢", "棉麻", "真丝", "羊毛", "皮革", "紫砂", "青花瓷", "黄铜",
                "铁艺", "藤编", "亚麻", "粗陶", "白瓷", "胡桃木"]  # fmt: skip
CN_NOUNS = ["茶杯", "茶壶", "碗", "盘子", "花瓶", "蜡烛", "台灯", "抱枕", "毯子", "地毯", "篮子", "托盘", "勺子",
            "筷子", "汤锅", "罐子", "水杯", "围巾", "帽子", "手套", "袜子", "毛衣", "背包", "钱包", "手链", "项链",
            "耳环", "戒指", "笔记本", "钢笔", "相框", "镜子", "时钟", "书架", "椅子", "桌子", "花盆", "香皂",
            "茶叶", "蜂蜜", "果酱", "巧克力", "咖啡豆", "帐篷", "灯笼", "风筝", "拼图", "玩偶"]  # fmt: skip
CN_CATEGORIES = ["厨房", "家居", "装饰", "灯具", "纺织", "服装", "配饰", "珠宝", "文具", "艺术", "家具", "园艺",
                 "浴室", "美妆", "玩具", "游戏", "食品", "户外", "运动", "礼品"]  # fmt: skip
CN_FILLER = ["每一件都由匠人手工制作", "适合送礼", "三天内发货", "经久耐用", "容易清洗", "小批量生产",
             "选用天然材料", "设计简洁大方", "独一无二", "陪伴您多年"]  # fmt: skip
# Characters no listing holds together: a search for them finds nothing (and must not be "corrected").
CN_ABSENT = ["电脑", "汽车", "冰箱", "打印机", "显示器", "路由器"]
CHINESE_EVERY = 5  # one listing in five is Chinese


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 listings and fewer samples")
    args = parser.parse_args()
    listings, stores = (100_000, 200) if args.quick else (1_000_000, 2_000)
    samples, baseline_samples = (150, 20) if args.quick else (400, 30)
    changes_per_store, feed_stores = (1_000, 6) if args.quick else (2_000, 10)

    stop = start("mercato_bench_directory")
    try:
        from django.core.management import call_command

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        began = time.perf_counter()
        seed(listings, stores)
        print(f"seeded {listings:,} listings from {stores:,} stores in {time.perf_counter() - began:.0f} s", flush=True)
        timings, baseline = measure_queries(samples, baseline_samples)
        rate = measure_indexing(feed_stores, changes_per_store)
    finally:
        stop()
    report(listings, timings, baseline, rate)


# --- Seeding ----------------------------------------------------------------------------------------------


def seed(count: int, store_count: int) -> None:
    """Store cards by bulk_create, listings by COPY with the indexes dropped and built afterwards."""
    from django.db import connection

    from platform.directory.models import DirectoryStore, Listing
    from platform.directory.services import _remember_words

    rng = random.Random(7)
    stores = [
        DirectoryStore(store_id=10_000 + n, slug=f"shop-{n}", name=f"{rng.choice(ADJECTIVES).title()} "
                       f"{rng.choice(NOUNS).title()} Co {n}", status="active", listed=True, tagline="Independent goods")
        for n in range(store_count)
    ]  # fmt: skip
    DirectoryStore.objects.bulk_create(stores, batch_size=1000)
    indexes = [index for index in Listing._meta.indexes]
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.remove_index(Listing, index)
    named = ("store_id, product_id, store_slug, store_name, product_slug, title, description, tags, tags_text, "
             "price, currency, image_url, in_stock, visible, created_at, updated_at, store_score, gtin, group_key")  # fmt: skip
    # Columns added to the listing later get their model default, so a new NOT NULL column doesn't break the COPY.
    others = [
        field for field in Listing._meta.concrete_fields
        if not field.primary_key and not field.generated and field.column not in named.split(", ")
    ]  # fmt: skip
    columns = ", ".join([named, *(field.column for field in others)])
    other_values = [field.get_default() for field in others]
    # Each store has a ranking score (reputation and sales); one listing in GTIN_EVERY carries one of GTIN_ITEMS
    # barcodes, so searches group the same item from several stores as they would in production.
    scores = {store.store_id: round(rng.random(), 4) for store in stores}
    now = datetime.now(UTC)
    began = time.perf_counter()
    with connection.cursor() as cursor, cursor.copy(f"COPY directory_listing ({columns}) FROM STDIN") as copy:
        for n in range(count):
            store = stores[n % store_count]
            if n % CHINESE_EVERY == 0:
                adjective, material, noun = rng.choice(CN_ADJECTIVES), rng.choice(CN_MATERIALS), rng.choice(CN_NOUNS)
                title = f"{adjective}{material}{noun}"
                if n % (CHINESE_EVERY * 4) == 0:  # one Chinese title in four has a Latin word: "Walnut 手工茶杯"
                    title = f"{rng.choice(MATERIALS).title()} {adjective}{noun}"
                tags = rng.sample(CN_CATEGORIES, rng.randint(1, 3))
                description = (
                    f"这款{adjective}{noun}采用{material}制成\uff0c来自{store.name}。"
                    + "\uff0c".join(rng.sample(CN_FILLER, 4))
                    + "。"
                )
            else:
                adjective, material, noun = rng.choice(ADJECTIVES), rng.choice(MATERIALS), rng.choice(NOUNS)
                title = f"{adjective.title()} {material.title()} {noun.title()}"
                tags = rng.sample(CATEGORIES, rng.randint(1, 3))
                description = (
                    f"A {adjective} {noun} in {material} from {store.name}. " + " ".join(rng.sample(FILLER, 12)) + "."
                )
            price = Decimal(round(rng.lognormvariate(3.3, 0.9), 2)).quantize(Decimal("0.01"))
            created = now - timedelta(minutes=rng.randint(0, 525_600))
            copy.write_row((
                store.store_id, n + 1, store.slug, store.name, f"product-{n + 1}", title, description,
                tags, " ".join(tags), price, "USD", f"/media/shop/products/{n + 1}.jpg", rng.random() > 0.1, True,
                created, now, scores[store.store_id], *_gtin_columns(n), *other_values,
            ))  # fmt: skip
            if n and n % 200_000 == 0:
                print(f"   copied {n:,} listings ({time.perf_counter() - began:.0f} s)", flush=True)
    print(f"   copied {count:,} listings in {time.perf_counter() - began:.0f} s; building indexes", flush=True)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.add_index(Listing, index)
    _remember_words([*ADJECTIVES, *MATERIALS, *NOUNS, *CATEGORIES, *(store.name for store in stores)])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE directory_listing")
        cursor.execute("ANALYZE directory_directorystore")
        cursor.execute("ANALYZE directory_searchterm")
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('directory_listing_text_tags')), "
            "pg_size_pretty(pg_table_size('directory_listing'))"
        )
        text_index, table = cursor.fetchone()
    print(
        f"   built indexes in {time.perf_counter() - began:.0f} s (text index {text_index}, table {table})", flush=True
    )


GTIN_EVERY = 50
GTIN_ITEMS = 2_000


def _gtin_columns(n: int) -> tuple[str, str]:
    """The GTIN and group key of listing ``n``: one in GTIN_EVERY shares one of GTIN_ITEMS barcodes."""
    from platform.directory.ranking import group_key
    from platform.kit.gtin import gtin_check_digit

    if n % GTIN_EVERY:
        return "", ""
    body = f"{400000000000 + (n // GTIN_EVERY) % GTIN_ITEMS:012d}"
    gtin = (body + str(gtin_check_digit(body))).zfill(14)
    return gtin, group_key(gtin=gtin, title="", currency="USD")


# --- Queries ----------------------------------------------------------------------------------------------


LATIN_KINDS = ("one word", "two words", "typo", "facets", "deep page", "by price")
CJK_KINDS = ("cjk word", "cjk char", "cjk title", "cjk mixed", "cjk facets", "cjk absent")


def query_mix(rng: random.Random) -> tuple[str, dict[str, str]]:
    # Chinese queries come in proportion to the Chinese listings (one in five) and then some: a third of the mix.
    kind = rng.choice(CJK_KINDS) if rng.random() < 1 / 3 else rng.choice(LATIN_KINDS)
    if kind.startswith("cjk"):
        return kind, cjk_query(kind, rng)
    noun = rng.choice(NOUNS)
    if kind == "one word":
        return kind, {"q": noun}
    if kind == "two words":
        return kind, {"q": f"{rng.choice(MATERIALS + ADJECTIVES)} {noun}"}
    if kind == "typo":
        word = rng.choice([noun for noun in NOUNS if len(noun) >= 5])
        cut = rng.randrange(1, len(word) - 1)
        return kind, {"q": f"{rng.choice(MATERIALS)} {word[:cut] + word[cut + 1 :]}"}
    if kind == "facets":
        price = rng.choice(("10-25", "25-50", "50-100"))
        return kind, {"q": noun, "in_stock": "1", "price": price, "tag": rng.choice(CATEGORIES)}
    if kind == "deep page":
        return kind, {"q": noun, "page": str(rng.randint(10, 15))}
    return kind, {"q": f"{rng.choice(MATERIALS)} {noun}", "sort": "price"}


def cjk_query(kind: str, rng: random.Random) -> dict[str, str]:
    noun = rng.choice(CN_NOUNS)
    if kind == "cjk word":  # 茶杯: part of thousands of titles
        return {"q": noun}
    if kind == "cjk char":  # 碗, 茶: one character, the broadest query there is (one no tag has, so the check
        # below can see each match in the title or description)
        return {"q": rng.choice([character for character in noun if character not in "".join(CN_CATEGORIES)] or "茶")}
    if kind == "cjk title":  # 陶瓷茶杯 or 手工陶瓷茶杯: a run of a title
        material = rng.choice(CN_MATERIALS)
        return {"q": f"{rng.choice(CN_ADJECTIVES)}{material}{noun}" if rng.random() < 0.5 else f"{material}{noun}"}
    if kind == "cjk mixed":  # a Latin word and a Chinese one, as in "Walnut 手工茶杯"
        return {"q": f"{rng.choice(MATERIALS)} {noun}"}
    if kind == "cjk facets":
        price = rng.choice(("10-25", "25-50", "50-100"))
        return {"q": noun, "in_stock": "1", "price": price, "tag": rng.choice(CN_CATEGORIES)}
    return {"q": rng.choice(CN_ABSENT)}


def measure_queries(samples: int, baseline_samples: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    rng = random.Random(11)
    for _ in range(20):  # warm the caches and the connection; not timed
        client.get("/search.json", query_mix(rng)[1])
    timings: dict[str, list[float]] = {}
    totals = []
    for _ in range(samples):
        kind, params = query_mix(rng)
        began = time.perf_counter()
        response = client.get("/search.json", params)
        timings.setdefault(kind, []).append(time.perf_counter() - began)
        assert response.status_code == 200, response.content[:200]
        body = response.json()
        totals.append(body["total"])
        check_cjk_answer(kind, params, body)
    print(f"   query mix: median {percentile(totals, 0.5):,} matches per query, max {max(totals):,}", flush=True)
    baseline: dict[str, list[float]] = {}
    rng = random.Random(11)
    for _ in range(baseline_samples):
        kind, params = query_mix(rng)
        began = time.perf_counter()
        naive_search(params)
        baseline.setdefault(kind, []).append(time.perf_counter() - began)
    return timings, baseline


def check_cjk_answer(kind: str, params: dict[str, str], body: dict) -> None:
    """A fast wrong answer is no answer: each Chinese query's results hold its characters, absent ones find none."""
    if not kind.startswith("cjk"):
        return
    if kind == "cjk absent":
        assert body["total"] == 0 and not body.get("corrected_query"), (params, body["total"])
        return
    chinese = params["q"].split()[-1]
    # Every noun and character is in thousands of titles; a given title or word pair may be in none.
    assert body["total"] > 0 or kind not in ("cjk word", "cjk char"), params
    assert not body.get("corrected_query"), (params, body.get("corrected_query"))
    for result in body["results"]:
        shown = result["title"] + result["snippet_html"].replace("<mark>", "").replace("</mark>", "")
        assert all(character in shown for character in chinese), (params, result["title"])


def naive_search(params: dict[str, str]) -> None:
    """The obvious way: every word ILIKE'd over the text columns, a count and a page; no facets, no ranking."""
    from django.db.models import Q

    from platform.directory.models import Listing

    found = Listing.objects.filter(visible=True)
    for word in params["q"].split():
        found = found.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(tags_text__icontains=word)
            | Q(store_name__icontains=word)
        )  # fmt: skip
    if params.get("in_stock"):
        found = found.filter(in_stock=True)
    page = int(params.get("page", 1))
    found.count()
    list(found.order_by("-created_at").values("id", "title", "price")[(page - 1) * 20 : page * 20])


# --- Indexing ---------------------------------------------------------------------------------------------


def measure_indexing(store_count: int, changes_per_store: int) -> float:
    """Products created in real store schemas, with their outbox rows; a real worker drains them all."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from platform.celery import app
    from storefront.catalog.models import Product, ProductVariant
    from storefront.directory_feed.models import ProductChange
    from storefront.directory_feed.services import send_drain
    from tenants.services import provision_store

    rng = random.Random(5)
    schemas = []
    for n in range(store_count):
        store = provision_store(name=f"Feed Store {n}", slug=f"feed-{n}", schema_method="clone")
        schemas.append(store.schema_name)
        with schema_context(store.schema_name):
            now = timezone.now()
            products = Product.objects.bulk_create(
                Product(title=f"{rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS).title()} {i}", slug=f"p-{i}",
                        price=Decimal("12.00"), status=Product.Status.ACTIVE, description="<p>Fresh stock.</p>",
                        created_at=now, updated_at=now)
                for i in range(changes_per_store)
            )  # fmt: skip
            ProductVariant.objects.bulk_create(
                ProductVariant(product=product, sku=f"SKU-{product.pk}", price=Decimal("12.00")) for product in products
            )
            # What record_product_change writes in each change's transaction.
            ProductChange.objects.bulk_create(ProductChange(product_id=product.pk) for product in products)
    connection.set_schema_to_public()
    total = store_count * changes_per_store
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "platform.celery", "worker", "--concurrency", "2", "--loglevel",
         "WARNING", "--queues", os.environ["MERCATO_TASK_QUEUE"], "--without-gossip", "--without-mingle",
         "--hostname", f"bench-{os.getpid()}@%h"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError("the bench worker did not start")
        began = time.perf_counter()
        for schema_name in schemas:
            send_drain(schema_name)
        while True:
            pending = 0
            for schema_name in schemas:
                with schema_context(schema_name):
                    pending += ProductChange.objects.count()
            if pending == 0:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - began
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    connection.set_schema_to_public()
    from platform.directory.models import Listing

    written = Listing.objects.filter(store_slug__startswith="feed-").count()
    assert written == total, f"expected {total} listings from the feed, found {written}"
    rate = total / elapsed
    print(f"   indexing: {total:,} product changes drained by the worker in {elapsed:.2f} s ({rate:,.0f}/s)")
    return rate


def report(listings: int, timings: dict[str, list[float]], baseline: dict[str, list[float]], rate: float) -> None:
    print()
    print(f"{'query':<12} {'n':>4} {'p50 s':>7} {'p95 s':>7} {'ILIKE p50':>10} {'ILIKE p95':>10}")
    for kinds in (LATIN_KINDS, CJK_KINDS):
        for kind in sorted(kind for kind in timings if kind in kinds):
            ours, naive = timings[kind], baseline.get(kind, [])
            naive_cols = (f"{percentile(naive, 0.5):>10.3f} {percentile(naive, 0.95):>10.3f}" if naive
                          else f"{'-':>10} {'-':>10}")  # fmt: skip
            print(
                f"{kind:<12} {len(ours):>4} {percentile(ours, 0.5):>7.3f} {percentile(ours, 0.95):>7.3f} {naive_cols}"
            )
        print()
    cjk = [t for kind, values in timings.items() if kind in CJK_KINDS for t in values]
    cjk_naive = [t for kind, values in baseline.items() if kind in CJK_KINDS for t in values]
    if cjk:
        naive_cols = f"{percentile(cjk_naive, 0.5):>10.3f} {percentile(cjk_naive, 0.95):>10.3f}" if cjk_naive else ""
        print(f"{'cjk mix':<12} {len(cjk):>4} {percentile(cjk, 0.5):>7.3f} {percentile(cjk, 0.95):>7.3f} {naive_cols}")
    everything = [t for values in timings.values() for t in values]
    naive_all = [t for values in baseline.values() for t in values]
    p95, naive_p95 = percentile(everything, 0.95), percentile(naive_all, 0.95)
    print(f"{'mix':<12} {len(everything):>4} {percentile(everything, 0.5):>7.3f} {p95:>7.3f} "
          f"{percentile(naive_all, 0.5):>10.3f} {naive_p95:>10.3f}   (ILIKE p95 is {naive_p95 / p95:.0f}x ours)")  # fmt: skip
    cjk_p95 = f"{percentile(cjk, 0.95):.3f} s" if cjk else "-"
    print(
        f"directory: p95 {p95:.3f} s over the query mix (Chinese queries p95 {cjk_p95}) at {listings:,} listings, "
        f"a fifth Chinese (target < {TARGET_P95:.3f} s); indexing {rate:,.0f} changes/s (target >= {TARGET_RATE:,})"
    )


if __name__ == "__main__":
    main()
