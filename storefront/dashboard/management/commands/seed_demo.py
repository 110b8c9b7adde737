"""manage.py seed_demo: create the demo stores (idempotent)."""

from django.core.management.base import BaseCommand

from storefront.demo import seed_demo_stores


class Command(BaseCommand):
    help = "Create the demo stores with products and pictures; safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        stores = seed_demo_stores(log=lambda line: self.stdout.write(line))
        self.stdout.write(self.style.SUCCESS(f"{len(stores)} demo stores ready"))
