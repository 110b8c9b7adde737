"""Store archives on the platform's side: export and import jobs, their files and downloads; purging a closed store."""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from platform.accounts.models import User
from platform.kit.queueing import enqueue_for_store
from tenants.audit import record_admin_action
from tenants.connection import connection
from tenants.models import AdminAction, Membership, Role, Store, StoreArchive
from tenants.pods.placement import choose_pod
from tenants.pods.routing import store_context
from tenants.services import ProvisioningError, provision_store, purge_store, validate_new_store
from tenants.storage import delete_store_media, store_has_media

logger = logging.getLogger(__name__)

# The archive tasks (tenants.archives.tasks), sent by name.
EXPORT_TASK = "archive.export_store"
IMPORT_TASK = "archive.import_store"
RESYNC_TASK = "archive.resync_directory"

FINISHED = (StoreArchive.Status.DONE, StoreArchive.Status.FAILED)


# --- Files ------------------------------------------------------------------------------------------------


def archive_root() -> Path:
    return Path(settings.STORE_ARCHIVE_ROOT)


def archive_file(archive: StoreArchive) -> Path | None:
    """The archive's file on disk, or None when it has none (any more); never a path outside the root."""
    if not archive.file_path:
        return None
    root = archive_root().resolve()
    path = (root / archive.file_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def can_download(*, user: User, archive: StoreArchive, store: Store | None) -> bool:
    """Who may fetch a finished export: platform staff with the permission (on the platform host, ``store`` None),
    or an owner of the exported store on that store's own host."""
    if archive.direction != StoreArchive.Direction.EXPORT or archive.status != StoreArchive.Status.DONE:
        return False
    if not user.is_authenticated or not user.is_active:
        return False
    if store is None:
        return bool(user.is_staff and user.has_perm("tenants.view_storearchive"))
    return archive.store_id == store.pk and Membership.objects.filter(store=store, user=user, role=Role.OWNER).exists()


def delete_archive(*, archive: StoreArchive) -> None:
    """Forget an export or import: its file first, then its row."""
    path = archive_file(archive)
    if path is not None:
        path.unlink(missing_ok=True)
    archive.delete()


# --- Progress -----------------------------------------------------------------------------------------------


class ProgressReporter:
    """Saves a job's progress where the person waiting can see it, even from inside a long transaction.

    The export reads in one snapshot transaction and the import writes the new store in one transaction;
    progress written through that connection would stay invisible until the end, so it goes through a second,
    autocommitting connection. SKIP LOCKED: it never waits on the row, at worst a step is not shown.
    """

    def __init__(self, archive_id: uuid.UUID) -> None:
        self.archive_id = archive_id
        self._side: BaseDatabaseWrapper | None = None

    def __call__(self, percent: int, step: str) -> None:
        percent = max(0, min(99, percent))
        if not connection.in_atomic_block:
            StoreArchive.objects.filter(pk=self.archive_id).update(progress=percent, step=step[:200])
            return
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._side.cursor() as cursor:
            cursor.execute(
                "UPDATE public.tenants_storearchive SET progress = %s, step = %s WHERE id IN "
                "(SELECT id FROM public.tenants_storearchive WHERE id = %s FOR UPDATE SKIP LOCKED)",
                [percent, step[:200], self.archive_id],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _finish(archive: StoreArchive, *, status: str, error: str = "", **fields: object) -> StoreArchive:
    archive.status, archive.error, archive.finished_at = status, error[:500], timezone.now()
    archive.progress = 100 if status == StoreArchive.Status.DONE else archive.progress
    archive.step = gettext_noop("Done") if status == StoreArchive.Status.DONE else gettext_noop("Failed")
    for name, value in fields.items():
        setattr(archive, name, value)
    archive.save()
    return archive


# --- Export -------------------------------------------------------------------------------------------------


def start_export(*, store: Store, actor: User | None, reason: str = "", background: bool = True) -> StoreArchive:
    """Ask for an archive of ``store``; a worker writes it (or, ``background`` False, it is written now)."""

    if store.status == Store.Status.PROVISIONING:
        raise ValidationError(gettext("This store is still being set up; there is nothing to export yet."))
    with transaction.atomic():
        # The store's row lock makes the check and the insert one step: two clicks at once start one export.
        Store.objects.select_for_update().values_list("pk", flat=True).get(pk=store.pk)
        if active_export(store) is not None:
            raise ValidationError(gettext("An export of this store is already under way; wait for it to finish."))
        archive = StoreArchive.objects.create(
            direction=StoreArchive.Direction.EXPORT,
            store=store,
            store_slug=store.slug,
            requested_by=actor,
            step=gettext_noop("Waiting for a worker"),
        )
        record_admin_action(
            kind=AdminAction.Kind.EXPORT, store=store, actor=actor, reason=reason, after={"archive": str(archive.pk)}
        )
        if background:
            enqueue_for_store(EXPORT_TASK, schema_name=store.schema_name, args=(str(archive.pk),))
    if not background:
        with store_context(store):
            run_export(archive_id=archive.pk)
        archive.refresh_from_db()
    return archive


def run_export(*, archive_id: uuid.UUID | str) -> StoreArchive | None:
    """Write the export's archive file; runs in the store's schema. Safe to run twice: a finished job is left."""
    from storefront.archive.export import write_store_archive

    archive = StoreArchive.objects.select_related("store").filter(pk=archive_id).first()
    if archive is None or archive.status in FINISHED:
        return archive
    store = archive.store
    if store is None or store.schema_name != connection.schema_name:
        return _finish(archive, status=StoreArchive.Status.FAILED, error="The store is gone or is not this schema.")
    StoreArchive.objects.filter(pk=archive.pk).update(
        status=StoreArchive.Status.RUNNING, progress=0, step=gettext_noop("Starting")
    )
    relative = f"exports/{store.slug}-{archive.pk}.zip"
    destination = archive_root() / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    report = ProgressReporter(archive.pk)
    try:
        with _snapshot():
            write_store_archive(destination=destination, store_name=store.name, store_slug=store.slug, report=report)
    except Exception:
        logger.exception("export %s of store %s failed", archive.pk, store.slug)
        destination.unlink(missing_ok=True)
        destination.with_name(destination.name + ".partial").unlink(missing_ok=True)
        return _finish(archive, status=StoreArchive.Status.FAILED, error="The export failed; please try again.")
    finally:
        report.close()
    logger.info("exported store %s to %s", store.slug, relative)
    return _finish(archive, status=StoreArchive.Status.DONE, file_path=relative, size_bytes=destination.stat().st_size)


@contextmanager
def _snapshot() -> Iterator[None]:
    """One read-only REPEATABLE READ transaction, so all tables are read as of one moment.

    Inside a transaction already (a test, or a caller's own), the isolation can't change; it then reads there.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


# --- Import -------------------------------------------------------------------------------------------------


def start_import(
    *,
    source: IO[bytes],
    slug: str,
    name: str = "",
    owner_email: str = "",
    actor: User | None,
    reason: str = "",
    filename: str = "",
    background: bool = True,
) -> StoreArchive:
    """Keep the uploaded archive and make a new store ``slug`` from it (in a worker, or now).

    The slug, name and owner are judged at once (ValidationError by field); the archive itself is checked by the
    job, which then either makes the whole store or leaves nothing of it.
    """
    from storefront.archive.format import limit

    slug = slug.strip()
    validate_new_store(name=name or "unnamed", slug=slug)
    owner = None
    if owner_email.strip():
        owner = get_user_model().objects.filter(email__iexact=owner_email.strip()).first()
        if owner is None:
            raise ValidationError({"owner_email": f"There is no account with the email {owner_email.strip()}."})
    archive_id = uuid.uuid4()
    relative = f"imports/{archive_id}.zip"
    path = archive_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := source.read(1024 * 1024):
                size += len(chunk)
                if size > limit("MAX_ARCHIVE_BYTES"):
                    raise ValidationError({"file": f"The archive is larger than {limit('MAX_ARCHIVE_BYTES')} bytes."})
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    owner_id = owner.pk if owner is not None else None
    with transaction.atomic():
        archive = StoreArchive.objects.create(
            id=archive_id,
            direction=StoreArchive.Direction.IMPORT,
            store_slug=slug,
            requested_by=actor,
            step=gettext_noop("Waiting for a worker"),
            file_path=relative,
            size_bytes=size,
        )
        record_admin_action(
            kind=AdminAction.Kind.IMPORT,
            store=None,
            store_slug=slug,
            actor=actor,
            reason=reason,
            after={"archive": str(archive.pk), "file": filename[:200], "owner": owner_email.strip()},
        )
        if background:
            enqueue_for_store(
                IMPORT_TASK,
                schema_name=settings.PUBLIC_SCHEMA_NAME,
                args=(str(archive.pk),),
                kwargs={"name": name, "owner_id": owner_id},
            )
    if not background:
        run_import(archive_id=archive.pk, name=name, owner_id=owner_id)
        archive.refresh_from_db()
    return archive


def run_import(*, archive_id: uuid.UUID | str, name: str = "", owner_id: int | None = None) -> StoreArchive | None:
    """Check the archive, then in one transaction make the store, load its rows and put its media in place.

    A refused archive or any failure leaves no store, no schema and no media folder behind. Safe to run twice.
    """
    from storefront.archive.format import ArchiveError
    from storefront.archive.importer import check_archive, check_migrations_applied, load_rows, unpack_media

    connection.set_schema_to_public()
    archive = StoreArchive.objects.filter(pk=archive_id).first()
    if archive is None or archive.status in FINISHED:
        return archive
    path = archive_file(archive)
    if path is None:
        return _finish(archive, status=StoreArchive.Status.FAILED, error="The uploaded archive file is missing.")
    StoreArchive.objects.filter(pk=archive.pk).update(
        status=StoreArchive.Status.RUNNING, progress=1, step=gettext_noop("Checking the archive")
    )
    report = ProgressReporter(archive.pk)
    checked = None
    media_of: str | None = None  # the schema whose media this import wrote, removed again if it fails
    try:
        checked = check_archive(path)
        report(15, gettext_noop("Making the store"))
        owner = get_user_model().objects.filter(pk=owner_id).first() if owner_id else None
        # The new store's pod (when pods are configured) commits just after the platform: a failed load leaves
        # nothing on either.
        pod = choose_pod()
        with transaction.atomic(using=pod.database_alias if pod else DEFAULT_DB_ALIAS), transaction.atomic():
            store = provision_store(
                name=name or checked.store.get("name", ""), slug=archive.store_slug, owner=owner, pod=pod
            )
            with store_context(store):
                check_migrations_applied(checked)
                load_rows(checked, report=report, start=20, end=80)
            if store_has_media(store.schema_name):  # not ours to remove
                raise ArchiveError(f"Media files of {store.schema_name} are left over from an earlier store.")
            media_of = store.schema_name
            unpack_media(checked, schema_name=store.schema_name, report=report, start=80, end=98)
            _resync_directory_after_commit(store)
    except (ArchiveError, ValidationError, ProvisioningError) as error:
        message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _fail_import(archive, media_of, message)
    except Exception:
        logger.exception("import %s as %s failed", archive.pk, archive.store_slug)
        return _fail_import(archive, media_of, "The import failed because of an internal error; nothing was kept.")
    finally:
        report.close()
        if checked is not None:
            checked.close()
        connection.set_schema_to_public()
    logger.info("imported archive %s as store %s", archive.pk, store.slug)
    return _finish(archive, status=StoreArchive.Status.DONE, store=store)


def _fail_import(archive: StoreArchive, media_of: str | None, message: str) -> StoreArchive:
    if media_of is not None:
        delete_store_media(media_of)
    return _finish(archive, status=StoreArchive.Status.FAILED, error=message)


def _resync_directory_after_commit(store: Store) -> None:

    # The directory's listings are written from the store's own rows by a task, like any catalog change.
    enqueue_for_store(RESYNC_TASK, schema_name=store.schema_name)


# --- Purge --------------------------------------------------------------------------------------------------


def grace_period_ends(store: Store) -> datetime | None:
    """When a closed store's data may be purged without an explicit confirmation (None if not closed)."""
    if store.closed_at is None:
        return None
    return store.closed_at + timedelta(days=settings.STORE_CLOSED_GRACE_DAYS)


def purge_would_be_early(store: Store) -> bool:
    ends = grace_period_ends(store)
    return ends is None or ends > timezone.now()


def purge_closed_store(*, store: Store, actor: User | None, confirmation: str | None, reason: str = "") -> None:
    """Drop a closed store's schema, public rows and media for good, writing the audit row first.

    ``confirmation`` None is allowed only after the grace period; before it, the admin must type the store's
    subdomain (its slug) exactly. Open or suspended stores are never purged.
    """
    if store.status != Store.Status.CLOSED:
        raise ValidationError(
            f"{store.slug} is {store.get_status_display().lower()}; only a closed store can be purged."
        )
    ends = grace_period_ends(store)
    early = purge_would_be_early(store)
    if confirmation is None:
        if early:
            raise ValidationError(
                f"{store.slug}'s data is kept until {ends:%Y-%m-%d}; to purge it sooner, type its subdomain to confirm."
                if ends
                else f"{store.slug} has no closing date; type its subdomain to confirm the purge."
            )
    elif confirmation.strip() != store.slug:
        raise ValidationError({"confirmation": f'Type the store\'s subdomain, "{store.slug}", exactly to confirm.'})
    before = {
        "name": store.name,
        "slug": store.slug,
        "status": store.status,
        "schema_name": store.schema_name,
        "closed_at": store.closed_at.isoformat() if store.closed_at else None,
    }
    with transaction.atomic():
        record_admin_action(
            kind=AdminAction.Kind.PURGE,
            store=store,
            actor=actor,
            reason=reason,
            before=before,
            after={"purged": True, "before_grace_period_end": early},
        )
        purge_store(store=store)
    logger.info("purged store %s (%s)", before["slug"], "confirmed early" if early else "after its grace period")


# --- Reads for the pages --------------------------------------------------------------------------------------


def active_export(store: Store) -> StoreArchive | None:
    return (
        StoreArchive.objects.filter(
            store=store,
            direction=StoreArchive.Direction.EXPORT,
            status__in=(StoreArchive.Status.QUEUED, StoreArchive.Status.RUNNING),
        )
        .order_by("-created_at")
        .first()
    )


def archive_by_id(archive_id: str) -> StoreArchive | None:
    """The archive with this id (as typed in a URL), or None for anything that isn't one."""
    try:
        key = uuid.UUID(str(archive_id))
    except ValueError:
        return None
    return StoreArchive.objects.select_related("store").filter(pk=key).first()


def archive_state(archive: StoreArchive, *, download_url: str | None) -> dict:
    """What a progress page shows and polls (the shape static/js/progress.js reads)."""
    done = archive.status == StoreArchive.Status.DONE
    return {
        "id": str(archive.pk),
        "direction": archive.direction,
        "store_slug": archive.store_slug,
        "status": archive.status,
        "status_label": archive.get_status_display(),
        "finished": archive.status in FINISHED,
        "processed": archive.progress,
        "total": 100,
        # Steps are saved as their English words (marked with gettext_noop where they are written) and shown in
        # the reader's language: the worker that writes them knows no page's, and the console reads them too.
        "step": gettext(archive.step) if archive.step else "",
        "error": archive.error,
        "size_bytes": archive.size_bytes,
        "download": download_url if done and archive.direction == StoreArchive.Direction.EXPORT else None,
    }
