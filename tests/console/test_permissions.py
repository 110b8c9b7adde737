"""Who reaches the console: platform admins with the right permission, on the platform host only."""

import pytest

from tenants.models import AdminAction, Store
from tests.conftest import add_member, host_of, make_user
from tests.console.conftest import PLATFORM_HOST, admin_url, make_staff

ACTIONS = ["suspend", "reactivate", "change-plan", "extend-trial", "support-view", "move"]


def console_urls(store: Store, audit_row: AdminAction) -> list[str]:
    return [
        admin_url("index"),
        admin_url("tenants_store_changelist"),
        admin_url("tenants_store_dashboard"),
        admin_url("tenants_store_export_csv"),
        admin_url("tenants_store_change", store.pk),
        *[admin_url("tenants_store_console_action", store.pk, action) for action in ACTIONS],
        admin_url("tenants_adminaction_changelist"),
        admin_url("tenants_adminaction_change", audit_row.pk),
    ]


@pytest.fixture
def audit_row(store_a):
    return AdminAction.objects.create(store_id=store_a.pk, store_slug="alpha", actor_email="x@y", kind="suspend")


@pytest.mark.parametrize("who", ["anonymous", "seller", "store staff member"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_people_who_are_not_platform_admins_are_sent_to_the_admin_sign_in(client, store_a, audit_row, who, method):
    if who != "anonymous":
        user = make_user(f"{who.replace(' ', '-')}@alpha.test")
        add_member(store_a, user, "owner" if who == "seller" else "staff")
        client.force_login(user)
    for url in console_urls(store_a, audit_row):
        response = getattr(client, method)(url, {"reason": "x"}, HTTP_HOST=PLATFORM_HOST)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    store_a.refresh_from_db()
    assert store_a.status == Store.Status.ACTIVE
    assert AdminAction.objects.count() == 1


def test_the_console_is_not_served_on_any_store_host(admin_client, store_a, store_b, audit_row):
    for store in (store_a, store_b):
        for url in console_urls(store_a, audit_row):
            assert admin_client.get(url, HTTP_HOST=host_of(store)).status_code == 404, (store.slug, url)
            assert admin_client.post(url, {"reason": "x"}, HTTP_HOST=host_of(store)).status_code == 404


def test_a_platform_admin_without_the_console_permissions_gets_403(client, store_a, audit_row):
    client.force_login(make_staff("helpdesk@mercato.test", "tenants.view_store"))
    assert client.get(admin_url("tenants_store_changelist"), HTTP_HOST=PLATFORM_HOST).status_code == 200
    assert client.get(admin_url("tenants_store_dashboard"), HTTP_HOST=PLATFORM_HOST).status_code == 403
    for action in ACTIONS:
        url = admin_url("tenants_store_console_action", store_a.pk, action)
        assert client.get(url, HTTP_HOST=PLATFORM_HOST).status_code == 403, action
        assert client.post(url, {"reason": "because"}, HTTP_HOST=PLATFORM_HOST).status_code == 403, action
    assert client.get(admin_url("tenants_adminaction_changelist"), HTTP_HOST=PLATFORM_HOST).status_code == 403
    store_a.refresh_from_db()
    assert store_a.status == Store.Status.ACTIVE and AdminAction.objects.count() == 1


def test_each_permission_opens_only_its_own_actions(client, store_a):
    client.force_login(make_staff("suspender@mercato.test", "tenants.view_store", "tenants.suspend_store"))
    allowed = {"suspend", "reactivate"}
    for action in ACTIONS:
        url = admin_url("tenants_store_console_action", store_a.pk, action)
        expected = 200 if action in allowed else 403
        assert client.get(url, HTTP_HOST=PLATFORM_HOST).status_code == expected, action
    # The bulk suspend action is offered to this admin; someone without the permission does not get it.
    page = client.get(admin_url("tenants_store_changelist"), HTTP_HOST=PLATFORM_HOST).content.decode()
    assert 'value="suspend"' in page
    client.force_login(make_staff("reader@mercato.test", "tenants.view_store"))
    page = client.get(admin_url("tenants_store_changelist"), HTTP_HOST=PLATFORM_HOST).content.decode()
    assert 'value="suspend"' not in page


def test_an_unknown_console_action_is_a_404(admin_client, store_a):
    url = admin_url("tenants_store_console_action", store_a.pk, "delete-everything")
    assert admin_client.get(url, HTTP_HOST=PLATFORM_HOST).status_code == 404
    url = admin_url("tenants_store_console_action", 999999, "suspend")
    assert admin_client.get(url, HTTP_HOST=PLATFORM_HOST).status_code == 404


def test_the_audit_log_is_readable_and_cannot_be_added_changed_or_deleted(admin_client, audit_row):
    listing = admin_client.get(admin_url("tenants_adminaction_changelist"), HTTP_HOST=PLATFORM_HOST)
    assert listing.status_code == 200 and "x@y" in listing.content.decode()
    change_url = admin_url("tenants_adminaction_change", audit_row.pk)
    assert admin_client.get(change_url, HTTP_HOST=PLATFORM_HOST).status_code == 200  # read-only view
    response = admin_client.post(
        change_url, {"reason": "rewritten", "kind": "reactivate", "store_slug": "alpha"}, HTTP_HOST=PLATFORM_HOST
    )
    assert response.status_code == 403
    delete_url = admin_url("tenants_adminaction_delete", audit_row.pk)
    assert admin_client.post(delete_url, {"post": "yes"}, HTTP_HOST=PLATFORM_HOST).status_code == 403
    add_url = admin_url("tenants_adminaction_add")
    assert (
        admin_client.post(add_url, {"kind": "suspend", "store_slug": "x"}, HTTP_HOST=PLATFORM_HOST).status_code == 403
    )
    bulk = admin_client.post(
        admin_url("tenants_adminaction_changelist"),
        {"action": "delete_selected", "_selected_action": [audit_row.pk], "post": "yes"},
        HTTP_HOST=PLATFORM_HOST,
    )
    assert bulk.status_code in (200, 302)
    audit_row.refresh_from_db()
    assert (audit_row.reason, audit_row.kind) == ("", "suspend")
    assert AdminAction.objects.filter(pk=audit_row.pk).exists()
