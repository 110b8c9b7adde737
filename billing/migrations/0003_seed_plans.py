"""Seed the Free, Starter and Pro plans (their Stripe prices come from `manage.py sync_stripe_plans`)."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    {"code": "free", "name": "Free", "monthly_price": Decimal("0"), "yearly_price": Decimal("0"), "trial_days": 0,
     "max_products": 25, "max_staff_seats": 1, "max_custom_domains": 0, "platform_fee_percent": Decimal("5")},
    {"code": "starter", "name": "Starter", "monthly_price": Decimal("19"), "yearly_price": Decimal("190"),
     "trial_days": 14, "max_products": 250, "max_staff_seats": 3, "max_custom_domains": 1,
     "platform_fee_percent": Decimal("2")},
    {"code": "pro", "name": "Pro", "monthly_price": Decimal("79"), "yearly_price": Decimal("790"), "trial_days": 14,
     "max_products": None, "max_staff_seats": 15, "max_custom_domains": 5, "platform_fee_percent": Decimal("0.5")},
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for spec in PLANS:
        Plan.objects.update_or_create(code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"})


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_subscriptions_and_events")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
