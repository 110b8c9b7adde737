"""manage.py refill_schema_pool: top the pool of ready store schemas up now."""

from django.core.management.base import BaseCommand, CommandParser

from tenants.schema_pool import refill_pool


class Command(BaseCommand):
    help = "Build ready, migrated store schemas until the pool holds MERCATO_SCHEMA_POOL_SIZE of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=None, help="pool size (default: the setting)")

    def handle(self, *args: object, size: int | None = None, **options: object) -> None:
        built = refill_pool(size=size)
        self.stdout.write(f"schema pool: built {built} schema(s)")
