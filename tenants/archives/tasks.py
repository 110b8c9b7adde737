"""The archive tasks: an export runs in its store's schema, an import in the public schema (it makes the store).

The services send them by name (``EXPORT_TASK`` ...), so this module imports the services and not the reverse.
"""

from celery import shared_task


@shared_task(name="archive.export_store", ignore_result=True, acks_late=True)
def export_store_archive(archive_id: str) -> None:
    """Write a store's archive; the progress page polls the StoreArchive row. A finished job is left as it is."""
    from .services import run_export

    run_export(archive_id=archive_id)


@shared_task(name="archive.import_store", ignore_result=True, acks_late=True)
def import_store_archive(archive_id: str, name: str = "", owner_id: int | None = None) -> None:
    """Make a new store from an uploaded archive, all or nothing. A finished job is left as it is."""
    from .services import run_import

    run_import(archive_id=archive_id, name=name, owner_id=owner_id)


@shared_task(name="archive.resync_directory", ignore_result=True)
def resync_imported_store() -> int:
    """Write the directory listings of a store just made from an archive (runs in its schema)."""
    from storefront.directory_feed.services import resync_store

    return resync_store()
