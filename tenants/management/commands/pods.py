"""manage.py pods: list the pods with their load, add a configured one, open or close one to new stores, move a
store to another pod."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Pod, Store
from tenants.pods.selectors import pod_loads
from tenants.pods.services import MoveFailed, add_pod, move_store, set_pod_open


class Command(BaseCommand):
    help = (
        "Pods (docs/scaling.md): list, add NAME (configured by MERCATO_POD_<NAME>_URL), open NAME, close NAME, "
        "move STORE_SLUG POD (POD 'platform': the platform database)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "add", "open", "close", "move"])
        parser.add_argument("names", nargs="*", help="pod names (add, open, close); a store's slug and a pod (move)")

    def handle(self, *args: Any, **options: Any) -> None:
        action, names = options["action"], options["names"]
        if action == "move":
            self._move(names)
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
            f"(schema {report.schema_seconds:.1f} s, rows {report.copy_seconds:.1f} s)"
        )
