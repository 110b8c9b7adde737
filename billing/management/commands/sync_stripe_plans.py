"""Create (or reuse) each paid plan's Stripe Product and monthly and yearly Prices, and store their ids."""

from django.core.management.base import BaseCommand

from billing.services import sync_stripe_plans


class Command(BaseCommand):
    help = "Create each plan's Stripe Product and Prices (monthly, yearly) and store their ids on the plan."

    def handle(self, *args: object, **options: object) -> None:
        for plan in sync_stripe_plans():
            self.stdout.write(
                f"{plan.code}: {plan.stripe_product_id} month={plan.stripe_monthly_price_id} "
                f"year={plan.stripe_yearly_price_id}"
            )
