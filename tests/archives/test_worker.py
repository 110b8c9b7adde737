"""The export runs in the real Celery worker, in the store's schema, and reports its progress up to 100 %."""

import zipfile

from tenants.archives import services as archives
from tenants.models import AdminAction, Store, StoreArchive
from tests.support import wait_until


def test_the_worker_writes_the_export_with_progress(celery_worker, committed):
    store = Store.objects.get(slug="beta")
    archive = archives.start_export(store=store, actor=None, reason="worker test")
    try:
        seen = []

        def finished() -> bool:
            archive.refresh_from_db()
            seen.append((archive.status, archive.progress))
            return archive.status in (StoreArchive.Status.DONE, StoreArchive.Status.FAILED)

        wait_until(finished, what=lambda: f"the export to finish (seen so far: {seen[-5:]})")
        assert archive.status == StoreArchive.Status.DONE, archive.error
        assert archive.progress == 100 and archive.step == "Done"
        assert [progress for _, progress in seen] == sorted(progress for _, progress in seen)  # never goes back
        path = archives.archive_file(archive)
        with zipfile.ZipFile(path) as written:
            assert b"Beta Paperback Novel" in written.read("data/catalog.product.json")
            assert '"slug": "beta"' in written.read("manifest.json").decode()
    finally:
        path = archives.archive_file(archive)
        if path is not None:
            path.unlink()
        StoreArchive.objects.filter(pk=archive.pk).delete()
        AdminAction.objects.filter(store_id=store.pk, kind=AdminAction.Kind.EXPORT).delete()
