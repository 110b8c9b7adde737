"""Platform admins restore closed stores, and purge them only once the grace period is over."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_exists

from platform.accounts.models import User
from tenants.models import Store
from tenants.services import provision_store


def _admin(client):
    admin = User.objects.create_superuser(email="admin@mercato.test", password="an admin passphrase")
    client.force_login(admin)
    return admin


def _act(client, action: str, store: Store, **confirmation: str):
    return client.post(
        "/admin/tenants/store/",
        {"action": action, "_selected_action": [store.pk], **confirmation},
        HTTP_HOST="localhost",
        follow=True,
    )


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_a_closed_store_is_not_purged_during_its_grace_period(client, db):
    _admin(client)
    store = provision_store(name="Grace", slug="grace")
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED, closed_at=timezone.now() - timedelta(days=3))
    response = _act(client, "purge", store, confirm="yes", reason="Owner asked")
    assert "kept until" in response.content.decode()
    assert Store.objects.filter(pk=store.pk).exists() and schema_exists(store.schema_name)


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_after_the_grace_period_purge_drops_only_that_store(client, db, store_a):
    _admin(client)
    store = provision_store(name="Gone", slug="gone")
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED, closed_at=timezone.now() - timedelta(days=31))
    asked = _act(client, "purge", store)  # the console asks for a reason first, and purges nothing yet
    assert 'name="reason"' in asked.content.decode() and schema_exists("store_gone")
    response = _act(client, "purge", store, confirm="yes", reason="Grace period over")
    assert "Purge: gone" in response.content.decode()
    assert not Store.objects.filter(pk=store.pk).exists() and not schema_exists("store_gone")
    assert schema_exists(store_a.schema_name)


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_restore_reopens_a_closed_store(client, db):
    _admin(client)
    store = provision_store(name="Back", slug="back")
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED, closed_at=timezone.now())
    confirmation = _act(client, "restore", store)  # the console asks for a reason first (docs/console.md)
    assert 'name="reason"' in confirmation.content.decode()
    client.post(
        "/admin/tenants/store/",
        {"action": "restore", "_selected_action": [store.pk], "confirm": "yes", "reason": "Closed by mistake"},
        HTTP_HOST="localhost",
    )
    store.refresh_from_db()
    assert store.status == Store.Status.ACTIVE and store.closed_at is None


def test_the_admin_is_not_served_on_store_hosts_and_needs_staff(client, store_a):
    assert client.get("/admin/", HTTP_HOST="alpha.localhost").status_code == 404
    seller = User.objects.create_user(email="seller@alpha.test", password="a seller passphrase")
    client.force_login(seller)
    assert client.get("/admin/tenants/store/", HTTP_HOST="localhost").status_code == 302


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_a_staff_member_who_may_only_view_stores_cannot_purge(client, db):
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user(email="viewer@mercato.test", password="a viewer passphrase", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_store", content_type__app_label="tenants"))
    client.force_login(viewer)
    store = provision_store(name="Kept", slug="kept")
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED, closed_at=timezone.now() - timedelta(days=400))
    listing = client.get("/admin/tenants/store/", HTTP_HOST="localhost")
    assert listing.status_code == 200 and 'value="purge"' not in listing.content.decode()
    _act(client, "purge", store, confirm="yes", reason="Not allowed")
    assert Store.objects.filter(pk=store.pk).exists() and schema_exists("store_kept")
