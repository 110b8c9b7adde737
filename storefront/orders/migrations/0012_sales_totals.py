"""The sales overview's kept totals, filled from the orders the store already has."""

import django.core.validators
from decimal import Decimal
from django.db import migrations, models


# The store's zone: its profile's, UTC without one.
ZONE = "SELECT coalesce((SELECT nullif(timezone, '') FROM themes_storeprofile ORDER BY id LIMIT 1), 'UTC') AS name"

# The totals of every paid, not cancelled order, on its day in the store's zone.
BACKFILL_DAYS = f"""
WITH zone AS ({ZONE}), counted AS (
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

# Each SKU's sales over the thirty days ending today in the store's zone, from the day totals just written.
BACKFILL_WINDOW = f"""
WITH zone AS ({ZONE}), today AS (
    SELECT (now() AT TIME ZONE zone.name)::date AS day FROM zone
), filled AS (
    INSERT INTO orders_productsaleswindow (currency, sku, title, units, revenue)
    SELECT p.currency, p.sku, max(p.title), sum(p.units), sum(p.revenue)
    FROM orders_dailyproductsales p CROSS JOIN today WHERE p.day BETWEEN today.day - 29 AND today.day GROUP BY 1, 2
)
INSERT INTO orders_saleswindow (last_day) SELECT day FROM today
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL_DAYS)
        cursor.execute(BACKFILL_WINDOW)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0011_order_shipping_promotion"),
        ("themes", "0006_store_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="SalesWindow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_day", models.DateField()),
            ],
        ),
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
                        fields=("currency", "sku", "day"), name="orders_dailyproductsales_one_per_sku"
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
        migrations.CreateModel(
            name="ProductSalesWindow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
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
                "ordering": ["currency", "sku"],
                "indexes": [
                    models.Index(fields=["currency", "-revenue", "-units", "sku"], name="orders_window_by_revenue"),
                    models.Index(fields=["currency", "-units", "-revenue", "sku"], name="orders_window_by_units"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("currency", "sku"), name="orders_productsaleswindow_one_per_sku")
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
