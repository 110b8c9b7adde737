"""manage.py pods: list the pods with their load, add a configured one, open or close one to new stores, move a
store to another pod, back up every database (one dump each) and restore one store's schema from its database's
dump."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Pod, Store
from tenants.pods.backups import BackupError, back_up
from tenants.pods.selectors import pod_loads
from tenants.pods.services import MoveFailed, add_pod, move_store, set_pod_open
from tenants.services import restore_store_schema


class Command(BaseCommand):
    help = (
        "Pods (docs/scaling.md): list, add NAME (configured by MERCATO_POD_<NAME>_URL), open NAME, close NAME, "
        "move STORE_SLUG POD (POD 'platform': the platform database); backup --to DIR [--pod NAME]; "
        "restore STORE --from DUMP (docs/backups.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "add", "open", "close", "move", "backup", "restore"])
        parser.add_argument(
            "names",
            nargs="*",
            help="pod names (add, open, close); a store's slug and a pod (move); the store's slug (restore)",
        )
        parser.add_argument("--to", type=Path, help="backup: the folder the dumps are written to")
        parser.add_argument(
            "--pod", action="append", dest="pods", help="backup: only this pod (repeatable); default: all and the "
            "platform database",
        )  # fmt: skip
        parser.add_argument("--from", type=Path, dest="source", help="restore: the dump of the store's database")

    def handle(self, *args: Any, **options: Any) -> None:
        action, names = options["action"], options["names"]
        if action == "move":
            self._move(names)
            return
        if action == "backup":
            self.backup(options["to"], options["pods"])
            return
        if action == "restore":
            self.restore(names, options["source"])
            return
        if action != "list" and not names:
            raise CommandError(f"pods {action} needs at least one pod name.")
        for name in names:
            if action == "add":
                try:
                    added = add_pod(name=name)
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from error
                self.stdout.write(f"pod {added.name} ready ({added.database_alias}), open to new stores")
                continue
            pod = Pod.objects.filter(name=name).first()
            if pod is None:
                raise CommandError(f"No pod called {name!r}; add it first.")
            set_pod_open(pod=pod, is_open=action == "open")
            self.stdout.write(f"pod {pod.name} {'open to' if pod.is_open else 'closed to'} new stores")
        if action == "list":
            for load in pod_loads():
                size = f"{load.size_bytes / 1e6:.1f} MB" if load.size_bytes is not None else "unreachable"
                state = "" if load.name == "platform" else (" open" if load.is_open else " closed")
                self.stdout.write(
                    f"{load.name}{state}: {load.stores} store(s) ({load.open_stores} not closed), {size}, "
                    f"{load.connections if load.connections is not None else '?'} connection(s)"
                )

    def _move(self, names: list[str]) -> None:
        if len(names) != 2:
            raise CommandError(
                "pods move needs a store's slug and a pod name (or 'platform'), e.g. pods move acme pod2."
            )
        slug, pod_name = names
        store = Store.objects.filter(slug=slug).first()
        if store is None:
            raise CommandError(f"No store called {slug!r}.")
        pod = None
        if pod_name != "platform":
            pod = Pod.objects.filter(name=pod_name).first()
            if pod is None:
                raise CommandError(f"No pod called {pod_name!r}; add it first, or say 'platform'.")
        try:
            report = move_store(store=store, to_pod=pod)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except MoveFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"moved {report.store} from {report.source} to {report.target}: {report.tables} tables, "
            f"{report.rows} rows (counts checked), {report.sequences} sequences, read-only for {report.seconds:.1f} s "
            f"(schema {'claimed from the pool' if report.schema_claimed else 'made by the migrations'} "
            f"{report.schema_seconds:.1f} s, rows {report.copy_seconds:.1f} s)"
        )

    def backup(self, folder: Path | None, pods: list[str] | None) -> None:
        if folder is None:
            raise CommandError("pods backup needs --to DIR, the folder to write the dumps to.")
        try:
            dumps = back_up(folder=folder, pod_names=pods)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except OSError as error:  # the folder can't be made or written
            raise CommandError(f"Can't write the dumps to {folder}: {error.strerror or error}") from error
        for dump in dumps:
            self.stdout.write(f"{dump.name}: {dump.path} ({dump.size_bytes / 1e6:.1f} MB, {dump.seconds:.1f} s)")

    def restore(self, names: list[str], source: Path | None) -> None:
        if len(names) != 1 or source is None:
            raise CommandError("pods restore needs one store's slug and --from, the dump of its database.")
        store = Store.objects.filter(slug=names[0]).first()
        if store is None:
            raise CommandError(f"No store called {names[0]!r}.")
        try:
            rewrite_sent = restore_store_schema(store=store, dump=source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"store {store.slug}: schema {store.schema_name} restored from {source}")
        if rewrite_sent:
            self.stdout.write("its directory listings are being rewritten by a worker")
        else:
            # Not an error: the schema is back; only the directory waits, and nothing needs running again.
            self.stdout.write(
                "the task broker is unreachable: the rewrite of its directory listings is kept and will be sent "
                "once it is back (unsent_tasks.resend, every 30 s)"
            )
