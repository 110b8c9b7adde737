"""Re-read every store's subscription from Stripe and repair what drifted."""

from django.core.management.base import BaseCommand

from billing.services import sync_all_subscriptions


class Command(BaseCommand):
    help = "Re-read every store's subscription from Stripe and repair drift."

    def handle(self, *args: object, **options: object) -> None:
        records = sync_all_subscriptions()
        for record in records:
            self.stdout.write(f"store {record.store_id}: {record.plan.code if record.plan else '-'} {record.status}")
        self.stdout.write(f"{len(records)} subscription(s) synced")
