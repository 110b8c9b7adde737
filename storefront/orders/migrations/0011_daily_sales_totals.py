"""The sales overview's day totals, filled from the orders the store already has."""

import django.core.validators
from decimal import Decimal
from django.db import migrations, models


# The totals of every paid, not cancelled order, on its day in the store's zone (its profile's, UTC without one).
BACKFILL = """
WITH zone AS (
    SELECT coalesce((SELECT nullif(timezone, '') FROM themes_storeprofile ORDER BY id LIMIT 1), 'UTC') AS name
), counted AS (
    SELECT (o.paid_at AT TIME ZONE zone.name)::date AS day, o.*
    FROM orders_order o CROSS JOIN zone WHERE o.paid_at IS NOT NULL AND o.status <> 'cancelled'
), days AS (
    INSERT INTO orders_dailysales (day, currency, orders, gross, refunded)
    SELECT day, currency, count(*), sum(total), sum(refunded_total) FROM counted GROUP BY 1, 2
)
INSERT INTO orders_dailyproductsales (day, currency, sku, title, units, revenue)
SELECT c.day, c.currency, l.sku, max(l.title), sum(l.quantity), sum(l.line_total)
FROM counted c JOIN orders_orderline l ON l.order_id = c.id GROUP BY 1, 2, 3
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_order_line_promotion"),
        ("themes", "0006_store_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyProductSales",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("currency", models.CharField(max_length=3)),
                ("sku", models.CharField(max_length=64)),
                ("title", models.CharField(max_length=300)),
                ("units", models.PositiveIntegerField()),
                (
                    "revenue",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=12,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
            ],
            options={
                "ordering": ["day", "currency", "sku"],
                "indexes": [
                    models.Index(
                        fields=["currency", "day"],
                        include=("sku", "title", "units", "revenue"),
                        name="orders_dailyproductsales_window",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("currency", "day", "sku"), name="orders_dailyproductsales_one_per_sku"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DailySales",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("currency", models.CharField(max_length=3)),
                ("orders", models.PositiveIntegerField()),
                (
                    "gross",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=12,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                (
                    "refunded",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=12,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
            ],
            options={
                "ordering": ["day", "currency"],
                "constraints": [
                    models.UniqueConstraint(fields=("currency", "day"), name="orders_dailysales_one_per_day")
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
