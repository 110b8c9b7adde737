"""The console's figures without waiting for the hourly sweep: a fresh instance's stores are asked for theirs when
the console opens, and a store's are gathered again when one of its orders is paid. Each store gathers its own
figures in its own schema (a real worker), never public code reading a store's tables."""

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from platform.accounts.models import User
from tenants.console.stats import STORE_STATS_TASK
from tenants.models import Store, StoreDailyStats
from tests.conftest import wait_for_worker_to_catch_up
from tests.console.conftest import PLATFORM_HOST, admin_url, make_paid_order
from tests.support import wait_until


def _pending_order(store, total: str):
    """An order awaiting payment, as checkout leaves it (committed: the worker must see it)."""
    from storefront.orders.models import Order

    order = make_paid_order(store, total=Decimal(total), paid_at=timezone.now())
    with schema_context(store.schema_name):
        Order.objects.filter(pk=order.pk).update(
            status=Order.Status.PENDING_PAYMENT, paid_at=None, stock_state=Order.Stock.RESERVED
        )
        return Order.objects.get(pk=order.pk)


def _delete_orders(store, *orders) -> None:
    from storefront.orders.models import Order

    with schema_context(store.schema_name):
        Order.objects.filter(pk__in=[order.pk for order in orders]).delete()


def _today_row(store) -> StoreDailyStats | None:
    return StoreDailyStats.objects.filter(store=store).order_by("-date").first()


def test_paying_an_order_queues_its_own_stores_figures(store_a, django_capture_on_commit_callbacks):
    from storefront.orders.services import mark_order_paid

    order = make_paid_order(store_a, total=Decimal("12.00"), paid_at=timezone.now())
    with schema_context(store_a.schema_name):
        from storefront.orders.models import Order

        Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING_PAYMENT, paid_at=None)
        with django_capture_on_commit_callbacks() as callbacks:
            assert mark_order_paid(order=order, payment_intent="pi_console_figures") is True
    sent = [cb for cb in callbacks if getattr(cb, "args", ()) and cb.args[0] == STORE_STATS_TASK]
    assert len(sent) == 1
    # Bound to store A's schema, and to nobody else's.
    assert sent[0].keywords["headers"]["_schema_name"] == store_a.schema_name


def test_a_fresh_instance_shows_its_figures_once_the_console_has_asked_for_them(committed, celery_worker):
    alpha, beta = Store.objects.get(slug="alpha"), Store.objects.get(slug="beta")
    admin = User.objects.create_superuser(email="fresh-console@mercato.test", password="an admin passphrase")
    orders = [
        make_paid_order(alpha, total=Decimal("30.00"), paid_at=timezone.now()),
        make_paid_order(alpha, total=Decimal("12.50"), paid_at=timezone.now()),
    ]
    started = timezone.now()
    StoreDailyStats.objects.filter(store__in=[alpha, beta]).delete()
    client = Client()
    client.force_login(admin)
    try:
        first = client.get(admin_url("tenants_store_dashboard"), HTTP_HOST=PLATFORM_HOST).content.decode()
        assert 'id="stats-pending"' in first and "are being gathered now" in first

        # Today's row is the last the task writes (the stores' time zone is UTC, as the console's days are).
        wait_until(
            lambda: (
                StoreDailyStats.objects.filter(
                    store__in=[alpha, beta], date=timezone.now().date(), computed_at__gte=started
                ).count()
                == 2
            ),
            what="alpha's and beta's figures for today",
        )
        row = _today_row(alpha)
        assert (row.orders, row.gmv) == (2, Decimal("42.50"))
        assert _today_row(beta).gmv == Decimal("0")  # beta's figures are its own: none of alpha's orders

        page = client.get(admin_url("tenants_store_dashboard"), HTTP_HOST=PLATFORM_HOST).content.decode()
        assert "<strong>42.50 USD</strong> GMV" in page
        listing = client.get(admin_url("tenants_store_changelist"), HTTP_HOST=PLATFORM_HOST).content.decode()
        assert "42.50 USD" in listing
    finally:
        _delete_orders(alpha, *orders)
        StoreDailyStats.objects.filter(store__in=[alpha, beta]).delete()
        admin.delete()


def test_a_paid_order_refreshes_its_stores_figures_and_no_other(committed, celery_worker):
    from storefront.orders.services import mark_order_paid
    from storefront.stats import gather_store_stats

    alpha, beta = Store.objects.get(slug="alpha"), Store.objects.get(slug="beta")
    for store in (alpha, beta):
        with schema_context(store.schema_name):
            gather_store_stats(store=store)
    before_alpha, before_beta = _today_row(alpha), _today_row(beta)
    order = _pending_order(alpha, "19.00")
    try:
        with schema_context(alpha.schema_name):
            assert mark_order_paid(order=order, payment_intent="pi_console_refresh") is True
        wait_until(
            lambda: _today_row(alpha).orders == before_alpha.orders + 1, what="alpha's figures to count the order"
        )
        assert _today_row(alpha).gmv == before_alpha.gmv + Decimal("19.00")
        wait_for_worker_to_catch_up(celery_worker)
        after_beta = _today_row(beta)
        assert (after_beta.orders, after_beta.gmv, after_beta.computed_at) == (
            before_beta.orders, before_beta.gmv, before_beta.computed_at,
        )  # fmt: skip
    finally:
        _delete_orders(alpha, order)
        StoreDailyStats.objects.filter(
            store__in=[alpha, beta], computed_at__gte=timezone.now() - timedelta(hours=1)
        ).delete()


def test_the_console_asks_each_store_missing_figures_once_and_only_after_commit(
    admin_client, store_a, store_b, django_capture_on_commit_callbacks
):
    from tenants.console.stats import gather_missing_stats

    StoreDailyStats.objects.create(store=store_b, date=timezone.now().date(), computed_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        missing = gather_missing_stats()
        again = gather_missing_stats()  # a reload a moment later asks nobody again
    assert missing == again >= 1
    asked = [callback.args[0] for callback in callbacks]
    # Store A has no figures and is asked; store B's are fresh and it is not; nothing is sent before the commit.
    assert store_a.schema_name in asked and store_b.schema_name not in asked
    assert len(asked) == len(set(asked)) == missing
