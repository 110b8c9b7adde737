"""The seller's order list (search, filters, pages) and its CSV exports; another store's orders never appear."""

import csv
import io
import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from storefront.orders import selectors
from storefront.orders.models import TO_SHIP_STATUSES, Order, OrderLine, Shipment
from storefront.orders.reports import csv_cell
from storefront.orders.sales_days import refresh_sales_day
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store

_numbers = itertools.count(1)


def make_order(*, status: str = "paid", total: str = "10.00", lines: list[tuple[str, str, int, str]] = (), **fields):
    """An order as checkout and payment leave it; ``lines`` are (sku, title, quantity, unit price)."""
    n = next(_numbers)
    paid = status in ("paid", "fulfilled")
    values = {
        "token": f"token-{n}",
        "checkout_key": f"key-{n}",
        "email": f"buyer{n}@example.com",
        "site_url": "http://alpha.localhost",
        "currency": "USD",
        "ship_name": f"Buyer {n}",
        "ship_line1": "1 Main St",
        "ship_city": "Springfield",
        "ship_region": "IL",
        "ship_postal_code": "62701",
        "ship_country": "US",
        "shipping_method": "Standard",
        "subtotal": Decimal(total),
        "discount_total": Decimal("0"),
        "shipping_total": Decimal("0"),
        "tax_total": Decimal("0"),
        "total": Decimal(total),
        "status": status,
        "stock_state": "committed" if paid else ("released" if status == "cancelled" else "reserved"),
        "reserved_until": timezone.now(),
        "paid_at": timezone.now() if paid else None,
        "fulfilled_at": timezone.now() if status == "fulfilled" else None,
    }
    created_at = fields.pop("created_at", None)
    order = Order.objects.create(**{**values, **fields})
    for sku, title, quantity, price in lines:
        OrderLine.objects.create(
            order=order, sku=sku, title=title, quantity=quantity, unit_price=Decimal(price),
            line_total=Decimal(price) * quantity,
        )  # fmt: skip
    if created_at is not None:
        # created_at is set on insert; a test that needs another day moves it afterwards.
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
        order.refresh_from_db()
    # As the payment service does: the sales overview's day totals count the paid order.
    refresh_sales_day(paid_at=order.paid_at)
    return order


def staff_of(client, store, role: str = "staff", email: str | None = None):
    user = make_user(email or f"{role}@{store.slug}.test")
    add_member(store, user, role)
    sign_in_on(client, user, store)
    return user


def listed(client, store, query: str = "") -> list[int]:
    page = client.get(f"/dashboard/orders/{query}", HTTP_HOST=host_of(store)).content.decode()
    return [int(number) for number in re.findall(r'<a href="/dashboard/orders/(\d+)/">#', page)]


def download(client, store, path: str) -> list[list[str]]:
    response = client.get(path, HTTP_HOST=host_of(store))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- The list ---------------------------------------------------------------------------------------------------


def test_search_by_number_email_and_name(client, store_a):
    with in_store(store_a):
        ann = make_order(email="ann@example.com", ship_name="Ann Archer")
        bob = make_order(email="bob@shop.test", ship_name="Bob Baker")
        make_order(email="cy@example.com", ship_name="Cy Cole")
    staff_of(client, store_a)
    assert listed(client, store_a, f"?q={bob.pk}") == [bob.pk]
    assert listed(client, store_a, f"?q=%23{ann.pk}") == [ann.pk]
    assert listed(client, store_a, "?q=SHOP.TEST") == [bob.pk]
    assert listed(client, store_a, "?q=ann+arch") == [ann.pk]
    assert listed(client, store_a, "?q=nobody") == []
    assert "No order matches." in client.get("/dashboard/orders/?q=nobody", HTTP_HOST=host_of(store_a)).content.decode()
    # A number too long to be an id is only text to search for, not an error.
    assert client.get("/dashboard/orders/?q=" + "9" * 40, HTTP_HOST=host_of(store_a)).status_code == 200


def test_filters_by_status_fulfilment_and_placing_day(client, store_a):
    may = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
    with in_store(store_a):
        pending = make_order(status="pending_payment", created_at=may)
        paid = make_order(status="paid", created_at=may + timedelta(days=1))
        shipped = make_order(status="fulfilled", created_at=may + timedelta(days=2))
        cancelled = make_order(status="cancelled", created_at=may + timedelta(days=3, hours=11, minutes=59))
    staff_of(client, store_a)
    assert listed(client, store_a) == [cancelled.pk, shipped.pk, paid.pk, pending.pk]
    assert listed(client, store_a, "?status=paid") == [paid.pk]
    assert listed(client, store_a, "?fulfilment=unfulfilled") == [paid.pk]
    assert listed(client, store_a, "?fulfilment=fulfilled") == [shipped.pk]
    assert listed(client, store_a, "?created_from=2024-05-11&created_to=2024-05-12") == [shipped.pk, paid.pk]
    # "To" includes the whole of its day (23:59 of May 13 is in).
    assert listed(client, store_a, "?created_from=2024-05-13&created_to=2024-05-13") == [cancelled.pk]
    assert listed(client, store_a, "?created_to=2024-05-10") == [pending.pk]
    assert listed(client, store_a, "?status=fulfilled&created_from=2024-05-13") == []
    # Unknown values are ignored rather than matching nothing.
    assert len(listed(client, store_a, "?status=bogus&fulfilment=bogus")) == 4


@pytest.mark.parametrize("params", ["created_from=31-05-2024", "created_to=2024-13-01", "created_from=0001-01-01",
                                    "created_to=9999-12-31"])  # fmt: skip
def test_a_bad_date_is_a_message_not_an_error(client, store_a, params):
    with in_store(store_a):
        order = make_order()
    staff_of(client, store_a)
    response = client.get(f"/dashboard/orders/?{params}", HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "must be a date such as 2024-05-31; it was ignored." in response.content.decode()
    assert f'<a href="/dashboard/orders/{order.pk}/">#{order.pk}</a>' in response.content.decode()
    export = client.get(f"/dashboard/orders/export.csv?{params}", HTTP_HOST=host_of(store_a))
    assert export.status_code == 200


def test_a_nul_in_a_filter_is_refused_before_the_list_or_the_export_reads_it(client, store_a):
    # Text with a NUL character cannot reach PostgreSQL: every page refuses it at the edge (platform/kit/request_guard.py).
    staff_of(client, store_a)
    for url in ("/dashboard/orders/?created_from=%00", "/dashboard/orders/export.csv?q=%00"):
        response = client.get(url, HTTP_HOST=host_of(store_a))
        assert response.status_code == 400, url
        assert "contains a NUL character" in response.content.decode(), url


def test_pages_of_fifty_keep_the_filters(client, store_a):
    with in_store(store_a):
        orders = [make_order(email=f"many{n}@example.com") for n in range(55)]
        make_order(email="other@example.com")
    staff_of(client, store_a)
    first = client.get("/dashboard/orders/?q=many", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Page " not in first and "Newer orders" not in first  # no count of every match, nothing newer
    older = re.search(r'href="\?q=many&amp;after=([\w-]+)" rel="next">Older orders</a>', first).group(1)
    assert listed(client, store_a, "?q=many") == [order.pk for order in reversed(orders[5:])]
    second = client.get(f"/dashboard/orders/?q=many&after={older}", HTTP_HOST=host_of(store_a)).content.decode()
    assert listed(client, store_a, f"?q=many&after={older}") == [order.pk for order in reversed(orders[:5])]
    assert "Older orders" not in second
    newer = re.search(r'href="\?q=many&amp;before=([\w-]+)" rel="prev">Newer orders</a>', second).group(1)
    assert listed(client, store_a, f"?q=many&before={newer}") == listed(client, store_a, "?q=many")
    # A key edited by hand or cut short shows the first page.
    for odd in ("x", "WzFd", older[:-3], "bm90IGpzb24"):
        assert listed(client, store_a, f"?q=many&after={odd}") == listed(client, store_a, "?q=many"), odd


def test_orders_placed_in_the_same_instant_are_each_listed_once_across_pages(client, store_a):
    same_time = timezone.now() - timedelta(hours=1)
    with in_store(store_a):
        orders = [make_order(email=f"tie{n}@example.com", created_at=same_time) for n in range(53)]
    staff_of(client, store_a)
    first = client.get("/dashboard/orders/?q=tie", HTTP_HOST=host_of(store_a)).content.decode()
    older = re.search(r'after=([\w-]+)" rel="next"', first).group(1)
    both = listed(client, store_a, "?q=tie") + listed(client, store_a, f"?q=tie&after={older}")
    assert both == sorted((order.pk for order in orders), reverse=True)


def test_the_list_query_count_does_not_grow_with_orders(client, store_a):
    staff_of(client, store_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboard/orders/", HTTP_HOST=host_of(store_a)).status_code == 200
        # Switching the connection's schema back (the test used in_store) is not the page's work.
        return len([q for q in captured.captured_queries if not _schema_switch_alone(q["sql"])])

    with in_store(store_a):
        make_order()
    queries()  # the first request also fills the host and profile caches
    few = queries()
    with in_store(store_a):
        for _ in range(20):
            make_order()
    assert queries() == few


def test_a_deep_page_costs_the_queries_of_the_first(client, store_a):
    staff_of(client, store_a)
    with in_store(store_a):
        for _ in range(120):
            make_order()

    def queries(path: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_HOST=host_of(store_a))
        assert response.status_code == 200
        count = len([q for q in captured.captured_queries if not _schema_switch_alone(q["sql"])])
        return count, response.content.decode()

    queries("/dashboard/orders/")  # the first request also fills the host and profile caches
    first_count, first = queries("/dashboard/orders/")
    second_count, second = queries("/dashboard/orders/?after=" + re.search(r'after=([\w-]+)"', first).group(1))
    third_count, _ = queries("/dashboard/orders/?after=" + re.search(r'after=([\w-]+)"', second).group(1))
    assert first_count == second_count == third_count
    # No statement of a page counts the matching orders or skips rows.
    with CaptureQueriesContext(connection) as captured:
        client.get(
            "/dashboard/orders/?after=" + re.search(r'after=([\w-]+)"', second).group(1), HTTP_HOST=host_of(store_a)
        )
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper() or "OFFSET" in q["sql"].upper()]


def test_the_to_ship_list_pages_through_its_orders_with_a_constant_query_count(client, store_a, store_b):
    statuses = ["paid", "delivered", "partially_fulfilled", "fulfilled", "cancelled", "pending_payment"]
    with in_store(store_a):
        made = [make_order(status=statuses[n % 6]) for n in range(160)]
    with in_store(store_b):
        make_order(status="paid")  # another store's order still to ship
    staff_of(client, store_a)
    to_ship = [order.pk for order in reversed(made) if order.status in ("paid", "partially_fulfilled")]

    def page(query: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/dashboard/orders/{query}", HTTP_HOST=host_of(store_a))
        assert response.status_code == 200
        return len(
            [q for q in captured.captured_queries if not _schema_switch_alone(q["sql"])]
        ), response.content.decode()

    page("?fulfilment=unfulfilled")  # the first request also fills the host and profile caches
    first_count, first = page("?fulfilment=unfulfilled")
    older = re.search(r'after=([\w-]+)" rel="next"', first).group(1)
    second_count, _ = page(f"?fulfilment=unfulfilled&after={older}")
    assert first_count == second_count
    both = listed(client, store_a, "?fulfilment=unfulfilled") + listed(
        client, store_a, f"?fulfilment=unfulfilled&after={older}"
    )
    assert both == to_ship  # 54 orders: every one once, newest first, none of store B's


def test_the_to_ship_list_is_read_in_order_off_its_own_index(store_a):
    # The partial index must state the filter's statuses exactly, or PostgreSQL can't use it for the filter.
    assert set(TO_SHIP_STATUSES) == {Order.Status.PAID, Order.Status.PARTIALLY_FULFILLED}
    with in_store(store_a):
        for n in range(60):
            make_order(status=["paid", "delivered", "partially_fulfilled", "fulfilled"][n % 4])
        found = selectors.filtered_orders(selectors.OrderFilters(fulfilment="unfulfilled"))[:51]
        sql, params = found.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order")
            # A test store is small enough to be read whole and sorted; a large one is not.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using orders_to_ship_newest" in plan, plan
    assert "Filter" not in plan, plan  # no row of the index read and thrown away


# --- CSV exports -------------------------------------------------------------------------------------------------


def test_the_order_export_has_one_row_per_filtered_order_with_totals(client, store_a):
    with in_store(store_a):
        kept = make_order(
            status="fulfilled", total="113.90", subtotal=Decimal("99.00"), shipping_total=Decimal("5.00"),
            tax_total=Decimal("9.90"), refunded_total=Decimal("10.00"), discount_code="SAVE", ship_name="Sam Shopper",
            email="sam@example.com", lines=[("TENT", "Tent", 1, "99.00"), ("PEG", "Peg", 3, "0.00")],
        )  # fmt: skip
        # Carrier and tracking number live on the order's shipments now; the export lists them.
        Shipment.objects.create(order=kept, request_key="export-1", carrier="UPS", tracking_number="1Z9")
        make_order(status="pending_payment", email="sam@example.com")
        make_order(status="paid", email="other@example.com")
    staff_of(client, store_a)
    rows = download(client, store_a, "/dashboard/orders/export.csv?q=sam&fulfilment=fulfilled")
    header, *data = rows
    assert header == [
        "order_number", "created_at", "status", "paid_at", "fulfilled_at", "email", "ship_name", "ship_line1",
        "ship_line2", "ship_city", "ship_district", "ship_region", "ship_postal_code", "ship_country", "ship_phone",
        "shipping_method", "carrier", "tracking_number", "discount_code", "items", "currency", "subtotal", "discount_total", "shipping_total",
        "tax_total", "prices_include_tax", "total", "refunded_total",
    ]  # fmt: skip
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    with in_store(store_a):
        kept.refresh_from_db()
    assert row["order_number"] == str(kept.pk)
    assert row["created_at"] == kept.created_at.isoformat()
    assert {key: row[key] for key in ("status", "email", "ship_name", "ship_region", "carrier", "tracking_number", "items",
                                      "currency", "subtotal", "shipping_total", "tax_total", "total",
                                      "refunded_total", "discount_code", "prices_include_tax")} == {
        "status": "fulfilled", "email": "sam@example.com", "ship_name": "Sam Shopper", "ship_region": "IL", "carrier": "UPS",
        "tracking_number": "1Z9", "items": "4", "currency": "USD", "subtotal": "99.00", "shipping_total": "5.00",
        "tax_total": "9.90", "total": "113.90", "refunded_total": "10.00", "discount_code": "SAVE",
        "prices_include_tax": "no",
    }  # fmt: skip
    everything = download(client, store_a, "/dashboard/orders/export.csv")
    assert len(everything) == 4


def test_the_lines_export_has_one_row_per_item(client, store_a):
    with in_store(store_a):
        order = make_order(lines=[("TENT", "Tent", 1, "99.00"), ("PEG", "Peg", 3, "0.50")], email="l@example.com")
        make_order(lines=[("MUG", "Mug", 2, "7.00")], status="pending_payment")
    staff_of(client, store_a)
    rows = download(client, store_a, "/dashboard/orders/export-lines.csv?status=paid")
    assert rows[0] == ["order_number", "created_at", "status", "email", "sku", "title", "quantity", "unit_price",
                       "line_total", "currency"]  # fmt: skip
    assert [(r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows[1:]] == [
        (str(order.pk), "paid", "l@example.com", "TENT", "Tent", "1", "99.00", "99.00", "USD"),
        (str(order.pk), "paid", "l@example.com", "PEG", "Peg", "3", "0.50", "1.50", "USD"),
    ]


def test_cells_that_look_like_formulas_are_neutralised(client, store_a):
    with in_store(store_a):
        make_order(
            ship_name='=HYPERLINK("http://evil.test","click")', ship_line1="+1 Main", ship_city="-2+3",
            ship_line2="@SUM(A1)", shipping_method="\tTab", discount_code="\rCR", ship_postal_code="'=quoted",
            lines=[("=SKU", "@title", 1, "10.00")],
        )  # fmt: skip
    staff_of(client, store_a)
    header, row = download(client, store_a, "/dashboard/orders/export.csv")
    cells = dict(zip(header, row, strict=True))
    assert cells["ship_name"] == '\'=HYPERLINK("http://evil.test","click")'
    assert (cells["ship_line1"], cells["ship_city"], cells["ship_line2"]) == ("'+1 Main", "'-2+3", "'@SUM(A1)")
    assert (cells["shipping_method"], cells["discount_code"]) == ("'\tTab", "'\rCR")
    assert cells["ship_postal_code"] == "'=quoted"  # starts with a quote already: nothing a sheet would run
    _, line = download(client, store_a, "/dashboard/orders/export-lines.csv")
    assert (line[4], line[5]) == ("'=SKU", "'@title")
    assert [csv_cell(v) for v in ("plain", "", None, Decimal("1.50"), True)] == ["plain", "", "", "1.50", "yes"]


def test_the_export_reads_in_chunks_with_a_bounded_number_of_queries(client, store_a, monkeypatch):
    from storefront.orders import reports

    # Smaller chunks so a few orders span several; every chunk is one query, not one per order.
    monkeypatch.setattr(reports, "EXPORT_CHUNK", 3)
    with in_store(store_a):
        made = [make_order(lines=[("A", "A", 1, "1.00")]) for _ in range(7)]
    staff_of(client, store_a)
    with CaptureQueriesContext(connection) as captured:
        rows = download(client, store_a, "/dashboard/orders/export.csv")
    assert [int(row[0]) for row in rows[1:]] == [order.pk for order in made]
    order_queries = [q for q in captured.captured_queries if 'FROM "orders_order"' in q["sql"]]
    assert len(order_queries) == 3  # 3 + 3 + 1 rows


def test_another_stores_export_and_list_never_include_these_orders(client, store_a, store_b):
    with in_store(store_a):
        alpha = make_order(email="alpha-buyer@example.com", lines=[("A", "Alpha thing", 1, "10.00")])
    with in_store(store_b):
        beta = make_order(email="beta-buyer@example.com", lines=[("B", "Beta thing", 1, "10.00")])
    staff_of(client, store_b, email="staff@beta.test")
    rows = download(client, store_b, "/dashboard/orders/export.csv")
    assert [row[5] for row in rows[1:]] == ["beta-buyer@example.com"]
    lines = download(client, store_b, "/dashboard/orders/export-lines.csv")
    assert [row[5] for row in lines[1:]] == ["Beta thing"]
    page = client.get("/dashboard/orders/?q=alpha", HTTP_HOST=host_of(store_b)).content.decode()
    assert "alpha-buyer@example.com" not in page
    staff_of(client, store_a)
    rows = download(client, store_a, "/dashboard/orders/export.csv")
    assert [(row[0], row[5]) for row in rows[1:]] == [(str(alpha.pk), "alpha-buyer@example.com")]
    # B's member, signed in on A's host, is nobody there.
    outsider = make_user("outsider@beta.test")
    add_member(store_b, outsider, "owner")
    sign_in_on(client, outsider, store_a)
    for path in ("/dashboard/orders/export.csv", "/dashboard/orders/export-lines.csv", "/dashboard/orders/"):
        assert client.get(path, HTTP_HOST=host_of(store_a)).status_code == 403
    assert beta.pk is not None


def _schema_switch_alone(sql: str) -> bool:
    """A ``SET search_path`` sent on its own; one sent with a query (tenants.postgresql_backend) is that query."""
    return sql.startswith("SET search_path") and ";" not in sql
