"""The console offers only the actions a store's state allows, and no way to delete a store but the audited purge."""

from django_tenants.utils import schema_exists

from tenants.models import AdminAction, Store
from tenants.services import close_store, suspend_store
from tests.console.conftest import PLATFORM_HOST, admin_url


def _change_page(client, store) -> str:
    response = client.get(admin_url("tenants_store_change", store.pk), HTTP_HOST=PLATFORM_HOST)
    assert response.status_code == 200
    return response.content.decode()


def _offered(page: str) -> set[str]:
    return {key for key in ("suspend", "reactivate", "change-plan", "extend-trial", "support-view", "move")
            if f'class="console-action-{key}"' in page}  # fmt: skip


def test_an_active_store_offers_suspend_and_not_reactivate(admin_client, store_a):
    assert _offered(_change_page(admin_client, store_a)) == {"suspend", "change-plan", "support-view"}


def test_a_suspended_store_offers_reactivate_and_not_suspend(admin_client, store_a):
    suspend_store(store=store_a, reason="Checking the listings")
    page = _change_page(admin_client, store_a)
    assert _offered(page) == {"reactivate", "change-plan", "support-view"}
    # Its page, opened by address, says why instead of asking for a reason.
    response = admin_client.get(
        admin_url("tenants_store_console_action", store_a.pk, "suspend"), HTTP_HOST=PLATFORM_HOST
    )
    assert "Suspend store isn't possible for this store: it is Suspended." in response.content.decode()
    assert 'name="reason"' not in response.content.decode()


def test_a_closed_store_offers_only_reactivate(admin_client, store_a, owner_a):
    close_store(store=store_a, actor=owner_a, confirmation=store_a.name)
    assert _offered(_change_page(admin_client, store_a)) == {"reactivate"}
    posted = admin_client.post(
        admin_url("tenants_store_console_action", store_a.pk, "support-view"),
        {"reason": "look"},
        HTTP_HOST=PLATFORM_HOST,
    )
    assert posted.status_code == 400 and "A closed store has no dashboard to open." in posted.content.decode()
    assert not AdminAction.objects.exists()


def test_django_raw_delete_is_refused_so_only_the_audited_purge_deletes_a_store(admin_client, store_a, owner_a):
    close_store(store=store_a, actor=owner_a, confirmation=store_a.name)
    page = _change_page(admin_client, store_a)
    assert "deletelink" not in page and "/delete/" not in page
    assert 'class="archive-purge"' in page  # the audited way stays

    delete_url = admin_url("tenants_store_delete", store_a.pk)
    assert admin_client.get(delete_url, HTTP_HOST=PLATFORM_HOST).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}, HTTP_HOST=PLATFORM_HOST).status_code == 403

    changelist = admin_client.get(admin_url("tenants_store_changelist"), HTTP_HOST=PLATFORM_HOST).content.decode()
    assert 'value="delete_selected"' not in changelist and 'value="purge"' in changelist
    bulk = admin_client.post(
        admin_url("tenants_store_changelist"),
        {"action": "delete_selected", "_selected_action": [store_a.pk], "post": "yes"},
        HTTP_HOST=PLATFORM_HOST,
    )
    assert bulk.status_code in (200, 302)
    assert Store.objects.filter(pk=store_a.pk).exists() and schema_exists(store_a.schema_name)
    assert not AdminAction.objects.exists()


def test_the_dashboards_counts_agree_with_their_nouns(admin_client, store_a):
    from tests.console.conftest import add_stats, today

    add_stats(store_a, today(), orders=1, gmv="5.00")
    page = admin_client.get(admin_url("tenants_store_dashboard"), HTTP_HOST=PLATFORM_HOST).content.decode()
    assert '<li id="orders"><strong>1</strong> paid order</li>' in page
    assert '<li id="failed-payments"><strong>0</strong> failed payments</li>' in page


def test_without_pods_a_move_is_not_offered_and_one_sent_anyway_is_refused(admin_client, store_a):
    # Every store is on the platform database: there is nowhere else to move it.
    url = admin_url("tenants_store_console_action", store_a.pk, "move")
    page = admin_client.get(url, HTTP_HOST=PLATFORM_HOST).content.decode()
    assert "Move to another pod isn't possible for this store: there is no pod to move it to" in page
    for data in ({"target": "platform", "reason": "look"}, {"target": "platform", "reason": "look", "confirmed": "on"}):
        posted = admin_client.post(url, data, HTTP_HOST=PLATFORM_HOST)
        assert (
            posted.status_code == 400 and "alpha is already on platform: choose another pod." in posted.content.decode()
        )
    store_a.refresh_from_db()
    assert store_a.pod_id is None and store_a.moving_since is None
    assert not AdminAction.objects.exists()
