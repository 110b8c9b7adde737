"""Console fixtures: platform admins with and without the console's permissions, and stores' daily figures."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_tenants.utils import schema_context

PLATFORM_HOST = "localhost"


@pytest.fixture(autouse=True)
def _figures_of_this_test_only(request):
    """Each console test starts with no stores' figures but its own.

    Opening the console (as the browser tests do) asks every store without fresh figures to gather them, and a
    paid order asks its store again: a running worker writes those rows committed, where no rolled-back test
    transaction removes them. Deleted here inside the test's own transaction (or for good in a ``committed`` one).
    """
    if "committed" in request.fixturenames:
        request.getfixturevalue("committed")
    elif "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    from tenants.models import StoreDailyStats

    StoreDailyStats.objects.all().delete()


@pytest.fixture
def superuser(db):
    from platform.accounts.models import User

    return User.objects.create_superuser(email="root@mercato.test", password="an admin passphrase")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def make_staff(email: str, *perms: str):
    """A platform admin (is_staff) holding exactly ``perms`` ("app.codename")."""
    from platform.accounts.models import User

    user = User.objects.create_user(email=email, password="an admin passphrase", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


def make_paid_order(store, *, total: Decimal, paid_at: datetime, currency: str = "USD"):
    """A paid order in ``store``'s schema, as the payment webhook leaves it (for the stats task to count)."""
    from storefront.orders.models import Order
    from storefront.orders.sales_days import refresh_sales_day

    with schema_context(store.schema_name):
        order = Order.objects.create(
            token=secrets.token_hex(16), checkout_key=secrets.token_hex(16), email="buyer@example.test",
            site_url=f"http://{store.slug}.localhost", status=Order.Status.PAID, stock_state=Order.Stock.COMMITTED,
            currency=currency, ship_name="Buyer", ship_line1="1 Road", ship_city="Town", ship_postal_code="1000",
            ship_country="US", shipping_method="Standard", subtotal=total, discount_total=0, shipping_total=0,
            tax_total=0, total=total, reserved_until=paid_at, paid_at=paid_at,
        )  # fmt: skip
        # As the payment service does: the sales overview's day totals count it.
        refresh_sales_day(paid_at=paid_at)
        return order


def add_stats(store, day: date, *, orders: int = 0, gmv: str = "0", **extra):
    from tenants.console.stats import record_daily_stats

    return record_daily_stats(store=store, day=day, orders=orders, gmv=Decimal(gmv), currency="USD", **extra)


def today() -> date:
    return timezone.now().date()


def days_ago(count: int) -> date:
    return today() - timedelta(days=count)


def admin_url(name: str, *args: object) -> str:
    """The console's URLs live in the platform site's URLconf (store hosts have no admin)."""
    from django.conf import settings
    from django.urls import reverse

    return reverse(f"admin:{name}", args=args, urlconf=settings.PUBLIC_SCHEMA_URLCONF)
