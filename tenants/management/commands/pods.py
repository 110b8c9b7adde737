"""manage.py pods: list the pods with their load, add a configured one, open or close one to new stores."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Pod
from tenants.pods.selectors import pod_loads
from tenants.pods.services import add_pod, set_pod_open


class Command(BaseCommand):
    help = "Pods (docs/scaling.md): list, add NAME (configured by MERCATO_POD_<NAME>_URL), open NAME, close NAME."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "add", "open", "close"])
        parser.add_argument("names", nargs="*", help="pod names (add, open, close)")

    def handle(self, *args: Any, **options: Any) -> None:
        action, names = options["action"], options["names"]
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
