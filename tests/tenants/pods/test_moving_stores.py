"""Moving a store between pods: its rows arrive whole and it is served from there, it is read-only meanwhile, a
failed move leaves it where it was, and the other stores on both pods are untouched."""

import threading
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connections
from django.test import Client

from storefront.catalog.models import Product
from storefront.catalog.services import create_product
from storefront.orders.models import Order, OrderLine
from tenants.models import Store
from tenants.pods import copying
from tenants.pods.routing import store_context
from tenants.pods.services import MoveFailed, move_store
from tests.conftest import host_of
from tests.pods import platform_schemas, pod_schemas
from tests.storefront.orders.test_order_list_and_export import make_order

# Three pod servers and stores made on them: seconds each (tests/pods.py).
pytestmark = [pytest.mark.pods, pytest.mark.slow]


def catalog_and_orders(store: Store) -> tuple[list, list, int]:
    with store_context(store):
        products = list(Product.objects.order_by("pk").values_list("pk", "title", "price"))
        orders = list(Order.objects.order_by("pk").values_list("pk", "token", "total", "status"))
        return products, orders, OrderLine.objects.count()


def requests_from_another_connection(store: Store) -> dict[str, object]:
    """A buyer's and a seller's requests to ``store``, made from another thread (its own database connections)."""
    seen: dict[str, object] = {}

    def visit() -> None:
        client = Client()
        try:
            seen["read"] = client.get("/products/", HTTP_HOST=host_of(store))
            seen["write"] = client.post("/cart/add/", {"variant": 1, "quantity": 1}, HTTP_HOST=host_of(store))
            seen["api_write"] = client.post(
                "/api/seller/products", data="{}", content_type="application/json", HTTP_HOST=host_of(store)
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=visit)
    thread.start()
    thread.join()
    return seen


def test_a_store_moves_to_another_pod_whole_and_is_read_only_while_it_moves(
    client, pod_stores, open_pods, monkeypatch, committed
):
    one, two, three = pod_stores
    pod1, pod2, _ = open_pods
    with store_context(one):
        for number in range(3):
            create_product(title=f"Pod one kite {number}", price=Decimal("12.50"))
        for total in ("10.00", "25.00"):
            make_order(total=total, lines=[("KITE", "Pod one kite 0", 2, "5.00")])
    before = catalog_and_orders(one)
    others_before = catalog_and_orders(two), catalog_and_orders(three)

    during: dict[str, object] = {}
    real_copy_rows = copying.copy_rows

    def copy_rows_with_visitors(*args, **kwargs):
        # The store's tables are locked for the copy now: its pages must still be read, and writes refused.
        during.update(requests_from_another_connection(one))
        return real_copy_rows(*args, **kwargs)

    monkeypatch.setattr(copying, "copy_rows", copy_rows_with_visitors)
    report = move_store(store=one, to_pod=pod2)

    assert during["read"].status_code == 200 and "Pod one kite 2" in during["read"].content.decode()
    for refused in (during["write"], during["api_write"]):
        assert refused.status_code == 503 and refused["Retry-After"] == "60"
        assert "being moved" in refused.content.decode() and "try again in a minute" in refused.content.decode()
    assert during["api_write"].json()["detail"].startswith("Pod One is being moved")

    moved = Store.objects.get(pk=one.pk)
    assert (moved.pod, moved.moving_since) == (pod2, None)
    assert (report.source, report.target) == ("pod1", "pod2") and report.rows >= 4 + 2 + 2
    assert pod_schemas(pod1.database_alias) == set()
    assert pod_schemas(pod2.database_alias) == {one.schema_name, two.schema_name}
    assert catalog_and_orders(moved) == before
    # The sequences came along: the next product gets the next id, not one a copied product has.
    with store_context(moved):
        assert create_product(title="After the move", price=Decimal("1.00")).pk > max(pk for pk, *_ in before[0])

    # Served from pod2 over HTTP, writes accepted again.
    page = client.get("/products/", HTTP_HOST=host_of(moved))
    assert (
        page.status_code == 200
        and "Pod one kite 1" in page.content.decode()
        and "After the move" in page.content.decode()
    )
    assert client.post("/cart/add/", {"variant": 999999, "quantity": 1}, HTTP_HOST=host_of(moved)).status_code != 503
    # The other stores on both pods are untouched, and the store now beside pod-two sees none of its rows.
    assert (catalog_and_orders(two), catalog_and_orders(three)) == others_before
    assert "Pod one kite" not in client.get("/products/", HTTP_HOST=host_of(two)).content.decode()
    with store_context(moved):
        assert not Product.objects.filter(title="Pod two lantern").exists()


def test_a_move_that_fails_leaves_the_store_on_its_pod_and_nothing_on_the_target(
    client, pod_stores, open_pods, monkeypatch, committed
):
    _, _, three = pod_stores
    pod1, _, pod3 = open_pods
    before = catalog_and_orders(three)

    # A schema of that name already on the target: refused, and that schema is not the move's to drop.
    with connections[pod1.database_alias].cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{three.schema_name}"; CREATE TABLE "{three.schema_name}".kept (id int)')
    try:
        with pytest.raises(MoveFailed, match="already exists on the target"):
            move_store(store=three, to_pod=pod1)
        with connections[pod1.database_alias].cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{three.schema_name}".kept')
    finally:
        with connections[pod1.database_alias].cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{three.schema_name}" CASCADE')

    # A failure after every row was copied, before the target's commit.
    def broken(*args, **kwargs):
        raise DatabaseError("the connection to the target was lost (simulated)")

    monkeypatch.setattr(copying, "copy_sequences", broken)
    with pytest.raises(MoveFailed, match="simulated"):
        move_store(store=three, to_pod=pod1)

    stayed = Store.objects.get(pk=three.pk)
    assert (stayed.pod, stayed.moving_since) == (pod3, None)
    assert three.schema_name not in pod_schemas(pod1.database_alias)
    assert three.schema_name in pod_schemas(pod3.database_alias)
    assert catalog_and_orders(stayed) == before
    assert "Pod three lantern" in client.get("/products/", HTTP_HOST=host_of(stayed)).content.decode()
    assert client.post("/cart/add/", {"variant": 999999, "quantity": 1}, HTTP_HOST=host_of(stayed)).status_code != 503


def test_the_command_moves_a_store_to_the_platform_database_and_back(pod_stores, open_pods, committed, capsys):
    _, _, three = pod_stores
    pod3 = open_pods[2]
    before = catalog_and_orders(three)
    with pytest.raises(CommandError, match="No pod called 'nowhere'"):
        call_command("pods", "move", "pod-three", "nowhere")
    with pytest.raises(CommandError, match="already on pod3"):
        call_command("pods", "move", "pod-three", "pod3")
    try:
        call_command("pods", "move", "pod-three", "platform")
        assert "moved pod-three from pod3 to platform" in capsys.readouterr().out
        on_platform = Store.objects.get(pk=three.pk)
        assert on_platform.pod is None and three.schema_name in platform_schemas()
        assert three.schema_name not in pod_schemas(pod3.database_alias)
        assert catalog_and_orders(on_platform) == before
    finally:
        # Back where the module's fixture purges it from.
        if Store.objects.get(pk=three.pk).pod is None:
            call_command("pods", "move", "pod-three", "pod3")
    assert three.schema_name not in platform_schemas() and three.schema_name in pod_schemas(pod3.database_alias)
    assert catalog_and_orders(Store.objects.get(pk=three.pk)) == before
