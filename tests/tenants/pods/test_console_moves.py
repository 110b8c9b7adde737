"""Moving a store from the console: confirmed, queued, carried out by the worker with the same move_store as the
command, claiming one of the target pod's ready schemas (or migrating one when that pool is empty); refused targets
change nothing; the other stores on both pods are untouched."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from platform.accounts.models import User
from storefront.catalog.models import Product
from tenants.console.actions import request_store_move_as_admin
from tenants.models import AdminAction, Pod, Store
from tenants.pods import copying
from tenants.pods.routing import store_context
from tenants.pods.services import MoveFailed, move_store
from tenants.schema_pool import build_ready_schema, pool_of
from tests.conftest import add_member, host_of, make_user
from tests.pods import pod_schemas
from tests.support import wait_until

pytestmark = [pytest.mark.pods, pytest.mark.slow]

PLATFORM_HOST = settings.BASE_DOMAIN
# A move whose target pool is empty runs every tenant migration on the target: seconds alone, more on a busy machine.
MOVE_TIMEOUT = 300.0


def move_url(store: Store) -> str:
    return f"/admin/tenants/store/{store.pk}/console/move/"


def schema_oid(alias: str, schema: str) -> int | None:
    """The schema's identity on one server: a rename keeps it, a schema made anew gets another."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema])
        row = cursor.fetchone()
    return row[0] if row else None


def titles(store: Store) -> list[str]:
    with store_context(store):
        return sorted(Product.objects.values_list("title", flat=True))


def outcome_of(request: AdminAction) -> AdminAction:
    return wait_until(
        lambda: AdminAction.objects.filter(kind=AdminAction.Kind.MOVE, after__request=request.pk).first(),
        timeout=MOVE_TIMEOUT,
        what=f"the worker to finish the move asked in audit row {request.pk}",
    )


@pytest.fixture
def platform_admin(committed) -> Iterator[User]:
    admin = User.objects.create_superuser(email="mover@mercato.test", password="an admin passphrase")
    yield admin
    admin.delete()


@pytest.fixture
def clean_audit(pod_stores, committed) -> Iterator[None]:
    """This module's audit rows are committed: removed after each test, so other tests count only their own."""
    yield
    AdminAction.objects.filter(store_id__in=[store.pk for store in pod_stores]).delete()


def test_an_admin_moves_a_store_from_the_console_and_the_worker_claims_the_targets_ready_schema(
    client, pod_stores, open_pods, celery_worker, platform_admin, clean_audit
):
    one, two, three = pod_stores
    pod1, pod2, _ = open_pods
    ready = build_ready_schema(pod=pod2)
    pooled_before = pool_of(pod2).count()
    pooled_oid = schema_oid(pod2.database_alias, ready.schema_name)
    others_before = titles(two), titles(three)
    client.force_login(platform_admin)

    # The store's page offers the move; the first page names where the store is and every database's load.
    assert (
        'class="console-action-move"'
        in client.get(f"/admin/tenants/store/{one.pk}/change/", HTTP_HOST=PLATFORM_HOST).content.decode()
    )
    first = client.get(move_url(one), HTTP_HOST=PLATFORM_HOST)
    assert first.status_code == 200
    assert '<strong class="move-source">pod1</strong>' in first.content.decode()
    assert first.content.decode().count("(this store)") == 1

    # The confirmation names the source and the target with its load, and queues nothing yet.
    confirm = client.post(move_url(one), {"target": "pod2", "reason": "Spreading the load"}, HTTP_HOST=PLATFORM_HOST)
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert '<strong class="move-source">pod1</strong>' in page and '<strong class="move-target">pod2</strong>' in page
    assert 'class="move-target-load"><th>To</th><td>pod2</td><td>1 (1)</td>' in page
    assert "closed to new stores" not in page
    assert not AdminAction.objects.filter(store_id=one.pk).exists()

    done = client.post(
        move_url(one), {"target": "pod2", "reason": "Spreading the load", "confirmed": "on"}, HTTP_HOST=PLATFORM_HOST
    )
    assert done.status_code == 302 and done["Location"].endswith(f"/admin/tenants/store/{one.pk}/change/")
    request = AdminAction.objects.get(store_id=one.pk, kind=AdminAction.Kind.MOVE)
    assert (request.actor_email, request.reason) == ("mover@mercato.test", "Spreading the load")
    assert request.after["outcome"] == "queued" and (request.after["from"], request.after["to"]) == ("pod1", "pod2")

    outcome = outcome_of(request)
    assert outcome.after["outcome"] == "moved", outcome.after
    assert (outcome.actor_email, outcome.after["from"], outcome.after["to"]) == ("mover@mercato.test", "pod1", "pod2")
    assert outcome.after["schema"] == "claimed from the pool"

    moved = Store.objects.get(pk=one.pk)
    assert (moved.pod, moved.moving_since) == (pod2, None)
    # The store's schema on pod2 *is* the pooled one, renamed: no schema was made by the migrations.
    assert pool_of(pod2).count() == pooled_before - 1
    assert schema_oid(pod2.database_alias, ready.schema_name) is None
    assert schema_oid(pod2.database_alias, one.schema_name) == pooled_oid
    assert one.schema_name not in pod_schemas(pod1.database_alias)

    # Served from pod2, its product there; the other stores on both pods untouched and still apart.
    page = client.get("/products/", HTTP_HOST=host_of(moved)).content.decode()
    assert "Pod one lantern" in page
    assert (titles(two), titles(three)) == others_before
    assert "Pod one lantern" not in client.get("/products/", HTTP_HOST=host_of(two)).content.decode()
    with store_context(moved):
        assert not Product.objects.filter(title="Pod two lantern").exists()

    # The store's page says where it is and how the last move ended (signed in again: the test client keeps one
    # cookie jar for every host, and the store's host gave it a session cookie of its own).
    client.force_login(platform_admin)
    change = client.get(f"/admin/tenants/store/{one.pk}/change/", HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "This store's schema is on <strong>pod2</strong>" in change
    assert "Last move: <strong>moved</strong>" in change and "pod1 → pod2" in change


def test_a_move_to_a_pod_whose_pool_is_empty_migrates_the_schema_there(
    client, pod_stores, open_pods, celery_worker, platform_admin, clean_audit
):
    _, two, three = pod_stores
    pod1 = open_pods[0]
    assert not pool_of(pod1).exists()
    before = titles(three)
    request = request_store_move_as_admin(store=three, actor=platform_admin, to_pod=pod1, reason="Rebalancing")

    outcome = outcome_of(request)
    assert outcome.after["outcome"] == "moved", outcome.after
    assert outcome.after["schema"] == "made by the migrations"
    moved = Store.objects.get(pk=three.pk)
    assert moved.pod == pod1 and not pool_of(pod1).exists()
    assert titles(moved) == before
    assert "Pod three lantern" in client.get("/products/", HTTP_HOST=host_of(moved)).content.decode()
    assert "Pod three lantern" not in client.get("/products/", HTTP_HOST=host_of(two)).content.decode()


def test_a_failed_move_puts_the_claimed_schema_back_in_the_targets_pool(pod_stores, open_pods, monkeypatch, committed):
    _, two, _ = pod_stores
    pod3 = open_pods[2]
    source = Store.objects.select_related("pod").get(pk=two.pk)
    ready = build_ready_schema(pod=pod3)
    pooled_oid = schema_oid(pod3.database_alias, ready.schema_name)
    before = titles(source)

    def broken(*args, **kwargs):
        raise DatabaseError("the connection to the target was lost (simulated)")

    # After the claim and every row copied, before the target's commit.
    monkeypatch.setattr(copying, "copy_sequences", broken)
    with pytest.raises(MoveFailed, match="simulated"):
        move_store(store=source, to_pod=pod3)

    stayed = Store.objects.get(pk=two.pk)
    assert (stayed.pod, stayed.moving_since) == (source.pod, None) and titles(stayed) == before
    # The pooled schema is back under its own name, the same schema, empty of the store's rows, and claimable.
    assert two.schema_name not in pod_schemas(pod3.database_alias)
    assert schema_oid(pod3.database_alias, ready.schema_name) == pooled_oid
    assert list(pool_of(pod3).values_list("schema_name", flat=True)) == [ready.schema_name]
    with connections[pod3.database_alias].cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{ready.schema_name}".catalog_product')
        assert cursor.fetchone() == (0,)


def test_refused_targets_change_nothing_and_say_why(client, pod_stores, open_pods, platform_admin, clean_audit):
    one = Store.objects.select_related("pod").get(pk=pod_stores[0].pk)
    place = one.pod
    others = [pod for pod in open_pods if pod != place]
    client.force_login(platform_admin)

    def refused(data: dict) -> str:
        response = client.post(move_url(one), {"reason": "Testing", **data}, HTTP_HOST=PLATFORM_HOST)
        assert response.status_code == 400, response.content.decode()[:500]
        return response.content.decode()

    assert f"pod-one is already on {place.name}: choose another pod." in refused({"target": place.name})
    assert "Select a valid choice. nowhere is not one of the available choices." in refused({"target": "nowhere"})
    assert "This field is required." in refused({"target": others[0].name, "reason": " ", "confirmed": "on"})

    # A pod this process has no connection settings for.
    ghost = Pod.objects.create(name="ghost", database_alias="pod_ghost")
    try:
        assert "ghost can&#x27;t be reached from here" in refused({"target": "ghost", "confirmed": "on"})
    finally:
        ghost.delete()

    # A move already under way: its page says since when, the list too.
    Store.objects.filter(pk=one.pk).update(moving_since=timezone.now())
    try:
        assert "pod-one is being moved (since" in refused({"target": others[0].name})
        change = client.get(f"/admin/tenants/store/{one.pk}/change/", HTTP_HOST=PLATFORM_HOST).content.decode()
        assert 'class="store-moving">Moving since' in change
        listing = client.get("/admin/tenants/store/", HTTP_HOST=PLATFORM_HOST).content.decode()
        assert f"{place.name} (moving since" in listing
    finally:
        Store.objects.filter(pk=one.pk).update(moving_since=None)

    # A move already waiting for the worker.
    waiting = AdminAction.objects.create(
        kind=AdminAction.Kind.MOVE, store_id=one.pk, store_slug=one.slug, actor_email="other@mercato.test",
        after={"outcome": "queued", "from": place.name, "to": others[1].name},
    )  # fmt: skip
    try:
        page = refused({"target": others[0].name, "confirmed": "on"})
        assert f"A move of pod-one to {others[1].name} is already waiting for the worker" in page
    finally:
        waiting.delete()

    # A closed store waits to be purged, not moved.
    Store.objects.filter(pk=one.pk).update(status=Store.Status.CLOSED)
    try:
        assert "pod-one is closed" in refused({"target": others[0].name, "confirmed": "on"})
    finally:
        Store.objects.filter(pk=one.pk).update(status=Store.Status.ACTIVE)

    after = Store.objects.get(pk=one.pk)
    assert (after.pod_id, after.moving_since, after.status) == (place.pk, None, Store.Status.ACTIVE)
    assert not AdminAction.objects.filter(store_id=one.pk).exists()


def test_a_closed_pod_can_be_chosen_and_the_confirmation_says_so(
    client, pod_stores, open_pods, platform_admin, clean_audit
):
    one = Store.objects.select_related("pod").get(pk=pod_stores[0].pk)
    target = next(pod for pod in open_pods if pod != one.pod)
    Pod.objects.filter(pk=target.pk).update(is_open=False)
    try:
        client.force_login(platform_admin)
        assert (
            f"{target.name} (closed to new stores)"
            in client.get(move_url(one), HTTP_HOST=PLATFORM_HOST).content.decode()
        )
        page = client.post(move_url(one), {"target": target.name, "reason": "On purpose"}, HTTP_HOST=PLATFORM_HOST)
        assert page.status_code == 200
        assert f"{target.name} is closed to new stores. Moving a store there is allowed" in page.content.decode()
    finally:
        Pod.objects.filter(pk=target.pk).update(is_open=True)
    assert not AdminAction.objects.filter(store_id=one.pk).exists()


def test_only_platform_admins_with_the_permission_can_move_a_store(client, pod_stores, open_pods, committed):
    from tests.console.conftest import make_staff

    one = Store.objects.select_related("pod").get(pk=pod_stores[0].pk)
    target = next(pod for pod in open_pods if pod != one.pod).name
    data = {"target": target, "reason": "Not mine to move", "confirmed": "on"}
    helpdesk = make_staff("helpdesk-mover@mercato.test", "tenants.view_store")
    seller = make_user("seller-mover@pod-two.test")
    add_member(pod_stores[1], seller, "owner")
    try:
        client.force_login(helpdesk)
        assert client.get(move_url(one), HTTP_HOST=PLATFORM_HOST).status_code == 403
        assert client.post(move_url(one), data, HTTP_HOST=PLATFORM_HOST).status_code == 403
        assert (
            'class="console-action-move"'
            not in client.get(f"/admin/tenants/store/{one.pk}/change/", HTTP_HOST=PLATFORM_HOST).content.decode()
        )
        # Another store's owner: no console on a store's host, and the admin's sign-in on the platform's.
        client.force_login(seller)
        for store in pod_stores:
            assert client.post(move_url(one), data, HTTP_HOST=host_of(store)).status_code == 404
        response = client.post(move_url(one), data, HTTP_HOST=PLATFORM_HOST)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    finally:
        helpdesk.delete()
        seller.delete()
    assert Store.objects.get(pk=one.pk).pod_id == one.pod_id
    assert not AdminAction.objects.filter(store_id=one.pk).exists()
