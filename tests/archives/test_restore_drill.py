"""The restore drill (docs/backups.md): one store restored from its archive into a new store, by the real worker,
while the other stores keep answering on the production server."""

from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone

from tenants.archives import services as archives
from tenants.models import AdminAction, Store, StoreArchive
from tests.support import WAIT_TIMEOUT, wait_until

RESTORED = "alpha-restored"


def get(port: str, host: str, path: str = "/products/") -> requests.Response:
    return requests.get(f"http://127.0.0.1:{port}{path}", headers={"Host": host}, timeout=WAIT_TIMEOUT)


def test_a_store_restored_from_its_archive_while_the_others_keep_serving(committed, live_server_url, celery_worker):
    alpha, beta = Store.objects.get(slug="alpha"), Store.objects.get(slug="beta")
    beta_host, alpha_host = f"beta.{settings.BASE_DOMAIN}", f"alpha.{settings.BASE_DOMAIN}"
    restored_host = f"{RESTORED}.{settings.BASE_DOMAIN}"
    made: list[StoreArchive] = []
    try:
        export = archives.start_export(store=alpha, actor=None, reason="restore drill", background=False)
        made.append(export)
        assert export.status == StoreArchive.Status.DONE, export.error
        with archives.archive_file(export).open("rb") as stream:
            restore = archives.start_import(source=stream, slug=RESTORED, actor=None, reason="restore drill")
        made.append(restore)

        # While the worker makes the store (a schema migrated, rows and media loaded), beta keeps being served.
        answers: list[tuple[str, int]] = []

        def restored() -> bool:
            restore.refresh_from_db()
            status = restore.status
            answers.append((status, get(live_server_url, beta_host).status_code))
            return status in archives.FINISHED

        wait_until(restored, what=lambda: f"the restore to finish (beta's answers so far: {answers[-5:]})")
        assert restore.status == StoreArchive.Status.DONE, restore.error
        assert {code for _, code in answers} == {200}
        assert any(status != StoreArchive.Status.DONE for status, _ in answers)  # some answered during the restore

        page = get(live_server_url, restored_host)
        assert page.status_code == 200 and "Alpha Trail Tent" in page.text
        assert "Alpha Trail Tent" in get(live_server_url, alpha_host).text  # the original is untouched
        assert "Alpha Trail Tent" not in get(live_server_url, beta_host).text
    finally:
        copy = Store.objects.filter(slug=RESTORED).first()
        if copy is not None:
            Store.objects.filter(pk=copy.pk).update(status=Store.Status.CLOSED, closed_at=timezone.now() - timedelta(1))
            copy.refresh_from_db()
            archives.purge_closed_store(store=copy, actor=None, confirmation=RESTORED)
        for archive in made:
            path = archives.archive_file(archive)
            if path is not None:
                path.unlink()
        StoreArchive.objects.filter(pk__in=[archive.pk for archive in made]).delete()
        AdminAction.objects.filter(store_slug=RESTORED).delete()
        AdminAction.objects.filter(store_slug="alpha", reason="restore drill").delete()
    assert not Store.objects.filter(slug=RESTORED).exists() and beta.status == Store.Status.ACTIVE
