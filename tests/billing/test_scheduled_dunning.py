"""Dunning from the beat: the scheduled task, run by the real worker, suspends a store past its grace period only."""

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from billing.models import Plan, Subscription
from platform.celery import app
from tenants.models import Store
from tenants.services import restore_store
from tests.conftest import STORE_A, STORE_B


def test_the_scheduled_grace_period_task_suspends_the_store_past_due_too_long_and_no_other(committed, celery_worker):
    [entry] = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "billing.enforce_grace_periods"
    ]
    assert entry["schedule"] == 3600.0
    alpha, beta = Store.objects.get(slug=STORE_A["slug"]), Store.objects.get(slug=STORE_B["slug"])
    starter = Plan.objects.get(code="starter")
    now = timezone.now()
    grace = timedelta(days=settings.BILLING_GRACE_DAYS)
    assert not Subscription.objects.filter(store__in=[alpha, beta]).exists()
    overdue = Subscription.objects.create(
        store=beta, plan=starter, status="past_due", stripe_customer_id="cus_grace_overdue",
        past_due_since=now - grace - timedelta(hours=1),
    )  # fmt: skip
    within_grace = Subscription.objects.create(
        store=alpha, plan=starter, status="past_due", stripe_customer_id="cus_grace_recent",
        past_due_since=now - grace + timedelta(days=2),
    )  # fmt: skip
    try:
        app.send_task(entry["task"], headers={"_schema_name": settings.PUBLIC_SCHEMA_NAME})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Subscription.objects.get(pk=overdue.pk).suspended_for_nonpayment:
            time.sleep(0.1)
        overdue.refresh_from_db()
        within_grace.refresh_from_db()
        assert overdue.suspended_for_nonpayment is True
        assert Store.objects.get(pk=beta.pk).status == "suspended"
        # The other store, still within its grace period, keeps selling.
        assert within_grace.suspended_for_nonpayment is False
        assert Store.objects.get(pk=alpha.pk).status == "active"
    finally:
        Subscription.objects.filter(pk__in=[overdue.pk, within_grace.pk]).delete()
        for store in (alpha, beta):
            if Store.objects.get(pk=store.pk).status != "active":
                restore_store(store=store)
