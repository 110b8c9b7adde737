"""manage.py rebuild_directory [--store SLUG]: rewrite the directory from the stores' schemas."""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from storefront.catalog.models import Product
from storefront.directory_feed.services import resync_store
from tenants.connection import connection
from tenants.models import Store
from tenants.pods.routing import store_context


class Command(BaseCommand):
    help = "Rebuild the directory's listings from every store's schema (or one store's); safe while serving."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="the slug of one store to rebuild")

    def handle(self, *args: object, **options: object) -> None:
        stores = Store.objects.exclude(schema_name="public").order_by("pk")
        if options["store"]:
            stores = stores.filter(slug=options["store"])
            if not stores.exists():
                raise CommandError(f"No store with the slug {options['store']!r}.")
        stores = list(stores)
        total = 0
        for store in stores:
            with store_context(store):  # on its pod, when it has one
                total += Product.objects.count()
        bar = ProgressBar(total, stream=self.stdout)
        for store in stores:
            with store_context(store):
                resync_store(progress=bar.advance)
        connection.set_schema_to_public()
        bar.finish()
        self.stdout.write(f"rebuilt the directory from {len(stores)} store(s), {total} product(s)")


class ProgressBar:
    """A one-line text progress bar (a redrawn line on a terminal, a line per 10% otherwise)."""

    WIDTH = 40

    def __init__(self, total: int, *, stream: OutputWrapper) -> None:
        self.total, self.done, self.stream, self.shown = max(total, 1), 0, stream, -1
        self.tty = sys.stdout.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        percent = min(100, self.done * 100 // self.total)
        if self.tty or percent // 10 != self.shown // 10:
            filled = self.WIDTH * percent // 100
            line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}% {self.done}/{self.total} products"
            self.stream.write(("\r" + line) if self.tty else line, ending="" if self.tty else "\n")
            self.shown = percent

    def finish(self) -> None:
        if self.tty:
            self.stream.write("")
