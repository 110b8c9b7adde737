"""Stores on three pods: where new stores go, and that a store on one pod never sees or touches another's data."""

from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from storefront.catalog.models import Product
from tenants.models import Pod, Store
from tenants.pods.placement import choose_pod
from tenants.pods.routing import PLATFORM_ALIAS, on_a_pod, platform_connection, store_context
from tenants.pods.selectors import pod_loads
from tenants.pods.services import set_pod_open
from tests.conftest import host_of
from tests.pods import platform_schemas, pod_schemas

# Three pod servers and stores made on them: seconds each (tests/pods.py).
pytestmark = [pytest.mark.pods, pytest.mark.slow]


def test_each_new_store_goes_to_the_least_loaded_open_pod_and_lives_only_there(pod_stores, open_pods, committed):
    _one, _two, _three = pod_stores
    assert [store.pod.name for store in pod_stores] == ["pod1", "pod2", "pod3"]
    for store, pod in zip(pod_stores, open_pods, strict=True):
        assert pod_schemas(pod.database_alias) == {store.schema_name}
        assert store.schema_name not in platform_schemas()
    # The platform keeps the stores' rows, and its own stores stay on its own database.
    assert set(Store.objects.filter(pod__isnull=True).values_list("slug", flat=True)) >= {"alpha", "beta"}
    assert {load.name: load.stores for load in pod_loads()} == {"platform": 2, "pod1": 1, "pod2": 1, "pod3": 1}


def test_a_closed_pod_gets_no_new_store_and_a_closed_store_does_not_count(pod_stores, open_pods, committed):
    pod1, pod2, pod3 = open_pods
    _one, _two, three = pod_stores
    assert choose_pod() == pod1  # all hold one store: the oldest pod first
    set_pod_open(pod=Pod.objects.get(pk=pod1.pk), is_open=False)
    Store.objects.filter(pk=three.pk).update(status=Store.Status.CLOSED)
    try:
        assert choose_pod() == pod3  # pod3's only store is closed: it holds the fewest open stores
        set_pod_open(pod=Pod.objects.get(pk=pod3.pk), is_open=False)
        assert choose_pod() == pod2
        set_pod_open(pod=Pod.objects.get(pk=pod2.pk), is_open=False)
        assert choose_pod() is None  # no pod open: new stores go to the platform database
    finally:
        Pod.objects.filter(pk__in=[pod.pk for pod in open_pods]).update(is_open=True)
        Store.objects.filter(pk=three.pk).update(status=Store.Status.ACTIVE)


def test_a_store_on_one_pod_cannot_see_or_reach_another_pods_store(client, pod_stores, platform_store):
    one, two, _ = pod_stores
    with store_context(one):
        lantern = Product.objects.get()
        assert connections[DEFAULT_DB_ALIAS].alias == one.pod.database_alias and on_a_pod()
    with store_context(two):
        assert list(Product.objects.values_list("title", flat=True)) == ["Pod two lantern"]
        assert not Product.objects.filter(pk=lantern.pk, title=lantern.title).exists()
    # Back on the platform's connection, with no platform alias left over.
    assert connections[DEFAULT_DB_ALIAS] is platform_connection() and not on_a_pod()
    assert PLATFORM_ALIAS not in connections.settings

    page = client.get(f"/products/{lantern.slug}/", HTTP_HOST=host_of(one))
    assert page.status_code == 200 and "Pod one lantern" in page.content.decode()
    for other in (two, platform_store):  # another pod's store, and a store on the platform database
        assert client.get(f"/products/{lantern.slug}/", HTTP_HOST=host_of(other)).status_code == 404
        listing = client.get("/products/", HTTP_HOST=host_of(other)).content.decode()
        assert "Pod one lantern" not in listing
    assert "Pod two lantern" in client.get("/products/", HTTP_HOST=host_of(two)).content.decode()
    # Each request left this thread on the platform database.
    assert connections[DEFAULT_DB_ALIAS] is platform_connection()


def test_a_store_request_writes_its_rows_on_its_pod_and_the_platform_rows_on_the_platform(pod_stores, committed):
    from storefront.catalog.services import create_product

    _, two, _ = pod_stores
    with store_context(two):
        product = create_product(title="Pod two kettle", price=Decimal("30.00"))
        # A platform model read in the store's scope comes from the platform's database.
        assert Store.objects.get(pk=two.pk).slug == "pod-two"
    try:
        with connections[two.pod.database_alias].cursor() as cursor:
            cursor.execute(f'SELECT title FROM "{two.schema_name}".catalog_product WHERE id = %s', [product.pk])
            assert cursor.fetchone() == ("Pod two kettle",)
        with platform_connection().cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [f"{two.schema_name}.catalog_product"])
            assert cursor.fetchone() == (None,)
    finally:
        with store_context(two):
            Product.objects.filter(pk=product.pk).delete()


def test_the_console_shows_each_stores_pod_and_each_pods_load(client, pod_stores, committed):
    from django.conf import settings

    from platform.accounts.models import User

    admin = User.objects.create_superuser(email="pods-admin@mercato.test", password="an admin passphrase")
    try:
        client.force_login(admin)
        page = client.get("/admin/tenants/pod/", HTTP_HOST=settings.BASE_DOMAIN).content.decode()
        assert "the platform database itself holds 2 store(s)" in page
        for pod in ("pod1", "pod2", "pod3"):
            assert f">{pod}<" in page
        assert page.count(">1 (1)<") == 3  # one store each, none closed
        assert page.count(" MB<") == 3 and "unreachable" not in page  # each pod's server answered with its size
        stores = client.get("/admin/tenants/store/", HTTP_HOST=settings.BASE_DOMAIN).content.decode()
        assert stores.count('class="field-pod_column">pod') == 3
        assert stores.count('class="field-pod_column">platform<') == 2  # alpha and beta
    finally:
        client.logout()
        admin.delete()
