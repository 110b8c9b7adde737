"""The console's archive pages and the owner's export page: who may start, follow and download what."""

import io
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from platform.accounts.models import User
from tenants.archives import services as archives
from tenants.models import AdminAction, Store, StoreArchive
from tests.conftest import add_member, host_of, make_user, sign_in_on

PLATFORM = {"HTTP_HOST": "localhost"}


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser(email="admin@mercato.test", password="an admin passphrase"))
    return client


def _finished_export(store) -> StoreArchive:
    return archives.start_export(store=store, actor=None, background=False)


def test_admin_starts_an_export_and_follows_it(admin_client, store_a, archive_root):
    response = admin_client.post(f"/admin/tenants/store/{store_a.pk}/export/", {"reason": "backup"}, **PLATFORM)
    archive = StoreArchive.objects.get(store=store_a)
    assert response.status_code == 302 and response["Location"].endswith(f"/archives/{archive.pk}/")
    assert archive.status == StoreArchive.Status.QUEUED  # the worker is sent the task once this commits
    status = admin_client.get(f"/admin/tenants/store/archives/{archive.pk}/status/", **PLATFORM).json()
    assert status["status"] == "queued" and status["finished"] is False and status["download"] is None
    page = admin_client.get(f"/admin/tenants/store/archives/{archive.pk}/", **PLATFORM)
    assert page.status_code == 200 and b"data-status-url" in page.content
    row = AdminAction.objects.get(kind="export")
    assert (row.store_id, row.reason, row.actor_email, row.after) == (
        store_a.pk, "backup", "admin@mercato.test", {"archive": str(archive.pk)}
    )  # fmt: skip
    again = admin_client.post(f"/admin/tenants/store/{store_a.pk}/export/", {"reason": ""}, **PLATFORM)
    assert again.status_code == 400 and b"already under way" in again.content


def test_admin_downloads_a_finished_export(admin_client, store_a, archive_root):
    archive = _finished_export(store_a)
    response = admin_client.get(f"/admin/tenants/store/archives/{archive.pk}/download/", **PLATFORM)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content) == archives.archive_file(archive).read_bytes()
    for bad in ("not-a-uuid", str(uuid.uuid4())):
        assert admin_client.get(f"/admin/tenants/store/archives/{bad}/download/", **PLATFORM).status_code == 404


def test_staff_without_the_permission_cannot_download(client, store_a, archive_root):
    archive = _finished_export(store_a)
    staff = User.objects.create_user(email="helper@mercato.test", password="a staff passphrase", is_staff=True)
    client.force_login(staff)
    url = f"/admin/tenants/store/archives/{archive.pk}/download/"
    assert client.get(url, **PLATFORM).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_storearchive"))
    staff = User.objects.get(pk=staff.pk)
    client.force_login(staff)
    assert client.get(url, **PLATFORM).status_code == 200
    assert client.post(f"/admin/tenants/store/{store_a.pk}/export/", {}, **PLATFORM).status_code == 403


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_admin_imports_an_uploaded_archive(admin_client, store_a, archive_root, media_cleanup):
    data = archives.archive_file(_finished_export(store_a)).read_bytes()
    upload = io.BytesIO(data)
    upload.name = "alpha.zip"
    form = {"file": upload, "slug": "alpha-moved", "name": "", "owner_email": "", "reason": "migration"}
    response = admin_client.post("/admin/tenants/store/import/", form, **PLATFORM)
    archive = StoreArchive.objects.get(direction="import")
    assert response.status_code == 302 and archive.store_slug == "alpha-moved" and archive.size_bytes == len(data)
    assert AdminAction.objects.filter(kind="import", store_slug="alpha-moved", reason="migration").exists()
    # What the worker runs once the upload commits:
    archives.run_import(archive_id=archive.pk)
    media_cleanup.append("store_alpha_moved")
    archive.refresh_from_db()
    assert archive.status == "done" and archive.store.name == "Alpha Outfitters"
    page = admin_client.get(f"/admin/tenants/store/archives/{archive.pk}/", **PLATFORM)
    assert b"was made from the archive" in page.content


def test_admin_import_form_errors_are_400s(admin_client, store_a, archive_root):
    upload = io.BytesIO(b"zip?")
    upload.name = "x.zip"
    form = {"file": upload, "slug": "beta", "reason": "r"}
    response = admin_client.post("/admin/tenants/store/import/", form, **PLATFORM)
    assert response.status_code == 400 and b"already taken" in response.content
    assert not StoreArchive.objects.exists()


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_admin_purge_page_refuses_open_stores_and_wrong_subdomains(admin_client, store_a, media_cleanup):
    from tenants.services import provision_store

    page = admin_client.get(f"/admin/tenants/store/{store_a.pk}/purge/", **PLATFORM)
    assert b"Only a closed store can be purged" in page.content
    refused = admin_client.post(
        f"/admin/tenants/store/{store_a.pk}/purge/", {"confirmation": "alpha", "reason": "x"}, **PLATFORM
    )
    assert refused.status_code == 400 and Store.objects.filter(pk=store_a.pk).exists()

    store = provision_store(name="Closing", slug="closing")
    media_cleanup.append(store.schema_name)
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED, closed_at=timezone.now() - timedelta(days=1))
    url = f"/admin/tenants/store/{store.pk}/purge/"
    assert b"ends the grace period early" in admin_client.get(url, **PLATFORM).content
    wrong = admin_client.post(url, {"confirmation": "Closing", "reason": "asked"}, **PLATFORM)
    assert wrong.status_code == 400 and Store.objects.filter(pk=store.pk).exists()
    done = admin_client.post(url, {"confirmation": "closing", "reason": "asked"}, **PLATFORM)
    assert done.status_code == 302 and not Store.objects.filter(slug="closing").exists()
    assert AdminAction.objects.filter(kind="purge", store_slug="closing", reason="asked").exists()


def test_owner_exports_from_the_dashboard(client, store_a, owner_a, archive_root):
    sign_in_on(client, owner_a, store_a)
    response = client.post("/dashboard/export/", HTTP_HOST=host_of(store_a))
    archive = StoreArchive.objects.get(store=store_a)
    assert response.status_code == 302 and response["Location"] == f"/dashboard/export/{archive.pk}/"
    assert AdminAction.objects.get(kind="export").actor_email == owner_a.email
    # Written as the worker would, then shown, polled and downloaded on the store's host.
    from django_tenants.utils import schema_context

    with schema_context(store_a.schema_name):
        archives.run_export(archive_id=archive.pk)
    state = client.get(f"/dashboard/export/{archive.pk}/status/", HTTP_HOST=host_of(store_a)).json()
    assert state["processed"] == 100 and state["finished"] and state["download"].endswith("/download/")
    page = client.get("/dashboard/export/", HTTP_HOST=host_of(store_a))
    assert page.status_code == 200 and str(archive.pk).encode() in page.content
    download = client.get(state["download"], HTTP_HOST=host_of(store_a))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == archives.archive_file(StoreArchive.objects.get()).read_bytes()


def test_only_the_owner_may_use_the_export_page(client, store_a, archive_root):
    manager = make_user("manager@alpha.test")
    add_member(store_a, manager, "manager")
    sign_in_on(client, manager, store_a)
    assert client.get("/dashboard/export/", HTTP_HOST=host_of(store_a)).status_code == 403
    assert client.post("/dashboard/export/", HTTP_HOST=host_of(store_a)).status_code == 403
    archive = _finished_export(store_a)
    assert client.get(f"/dashboard/export/{archive.pk}/download/", HTTP_HOST=host_of(store_a)).status_code == 403


def test_store_b_owner_cannot_reach_store_a_exports(client, store_a, store_b, archive_root):
    archive = _finished_export(store_a)
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    for suffix in ("", "status/", "download/"):
        response = client.get(f"/dashboard/export/{archive.pk}/{suffix}", HTTP_HOST=host_of(store_b))
        assert response.status_code == 404, suffix
    assert client.get("/dashboard/export/not-an-id/", HTTP_HOST=host_of(store_b)).status_code == 404
    # A's host doesn't know B's owner either (sessions are per store), and the platform host has no dashboard.
    assert client.get(f"/dashboard/export/{archive.pk}/download/", HTTP_HOST=host_of(store_a)).status_code == 302
    assert client.get(f"/admin/tenants/store/archives/{archive.pk}/download/", **PLATFORM).status_code == 302
