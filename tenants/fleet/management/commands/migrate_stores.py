"""manage.py migrate_stores: bring every store schema (and pooled schema) to the current tenant migrations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.fleet.runner import FleetBusy, fleet_databases, migrate_fleet, validate_lock_timeout
from tenants.fleet.selectors import status_counts, unfinished_schemas
from tenants.pods.config import PodNotConfigured, ensure_pod_database
from tenants.pods.routing import is_pod_alias


class Command(BaseCommand):
    help = (
        "Migrate every store schema and pooled schema with the fleet executor (docs/scaling.md): resumable, a "
        "transaction and a lock timeout per schema. Migrate the public schema first (migrate_schemas --shared)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=None, help="schemas migrated at once, one connection each")
        parser.add_argument("--status", action="store_true", help="print where the migration stands and stop")
        parser.add_argument("--retry-failed", action="store_true", help="also retry the schemas that failed before")
        parser.add_argument("--schema", action="append", dest="schemas", help="only this schema (repeatable)")
        parser.add_argument("--lock-timeout", default=None, help="wait for a table lock at most this long (3s, 500ms)")
        parser.add_argument("--lock-retries", type=int, default=2, help="rounds of retries for busy schemas")
        parser.add_argument("--retry-pause", type=float, default=2.0, help="seconds between those rounds")
        parser.add_argument(
            "--database", default=None, help="only this database alias (default: the platform's, then every pod's)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        databases = [options["database"]] if options["database"] else fleet_databases()
        for database in databases:
            try:
                if is_pod_alias(database):
                    ensure_pod_database(database)
            except PodNotConfigured as error:
                raise CommandError(str(error)) from error
            if database not in settings.DATABASES:
                raise CommandError(f"No database alias {database!r} in DATABASES.")
        if options["status"]:
            for database in databases:
                if len(databases) > 1:
                    self.stdout.write(f"{database}:")
                self._print_status(database)
            return
        unfinished = 0
        for database in databases:
            unfinished += self._migrate(database, options)
        if unfinished:
            raise CommandError(
                f"{unfinished} schema(s) not migrated: run migrate_stores again for busy ones, and with "
                "--retry-failed once the cause of a failure is fixed (see --status)."
            )

    def _migrate(self, database: str, options: dict[str, Any]) -> int:
        """Migrate one database's schemas; returns how many were left busy or failed."""
        workers = options["workers"] if options["workers"] is not None else settings.FLEET_WORKERS
        if workers < 1 or options["lock_retries"] < 0 or options["retry_pause"] < 0:
            raise CommandError("--workers must be at least 1, --lock-retries and --retry-pause at least 0.")
        try:
            lock_timeout = validate_lock_timeout(options["lock_timeout"] or settings.FLEET_LOCK_TIMEOUT)
            summary = migrate_fleet(
                database=database,
                workers=workers,
                retry_failed=options["retry_failed"],
                schemas=options["schemas"],
                lock_timeout=lock_timeout,
                lock_retries=options["lock_retries"],
                retry_pause=options["retry_pause"],
                progress=(lambda line: self.stdout.write(f"  {line}")) if options["verbosity"] >= 2 else None,
            )
        except (ValueError, FleetBusy) as error:
            raise CommandError(str(error)) from error
        outcomes = summary.outcomes
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"migrate_stores: {summary.considered} schema(s) checked in {summary.seconds:.1f} s: "
                f"{outcomes['done']} done ({summary.migrations_applied} migration(s) applied), "
                f"{outcomes['busy']} busy, {outcomes['failed']} failed, {outcomes['gone']} gone; "
                f"{summary.left_failed} failed in all"
                + ("" if database == "default" else f" (pod database {database})")
            )
        for row in unfinished_schemas(database) if summary.unfinished else []:
            self.stderr.write(f"  {row.schema_name} [{row.status}]: {row.error.splitlines()[-1][:300]}")
        return summary.unfinished

    def _print_status(self, database: str) -> None:
        counts = status_counts(database)
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
        for row in unfinished_schemas(database):
            self.stdout.write(f"  {row.schema_name} [{row.status}, {row.attempts} attempt(s)]: {row.error}")
