"""Changes to billing: plans in Stripe, a store's customer and subscription, syncing from Stripe, dunning."""

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stripe.params import CustomerCreateParams
from stripe.params.checkout import SessionCreateParamsSubscriptionData

from platform.kit.queueing import enqueue_for_store
from tenants.models import Membership, Role, Store

from . import limits
from .gateway import stripe_client
from .models import Plan, Subscription

logger = logging.getLogger(__name__)


def _ts(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


# --- Plans in Stripe ------------------------------------------------------------------------------------------


def sync_stripe_plans() -> list[Plan]:
    """Give every paid plan a Stripe Product and a monthly and a yearly Price, reusing those that still match.

    Prices are immutable in Stripe, so a plan whose price changed gets a new Price; existing subscribers keep
    theirs until they switch.
    """
    client = stripe_client()
    synced = []
    for plan in Plan.objects.all():
        if plan.is_free:
            continue
        product = _retrieve(client.v1.products, plan.stripe_product_id)
        if product is None:
            product = client.v1.products.create(
                params={"name": f"Mercato {plan.name}", "metadata": {"mercato_plan": plan.code}},
                options={"idempotency_key": f"mercato-plan-product-{plan.code}-{plan.pk}-{plan.stripe_product_id}"},
            )
        ids = {}
        for interval in Subscription.Interval.values:
            amount = _cents(plan.price(interval))
            price = _retrieve(client.v1.prices, plan.price_id(interval))
            fits = (
                price is not None
                and price.active
                and price.product == product.id
                and price.unit_amount == amount
                and price.currency == plan.currency.lower()
                and price.recurring.interval == interval
            )
            if price is None or not fits:
                price = client.v1.prices.create(
                    params={
                        "product": product.id,
                        "currency": plan.currency.lower(),
                        "unit_amount": amount,
                        "recurring": {"interval": interval},
                        "metadata": {"mercato_plan": plan.code, "interval": interval},
                    }
                )
            ids[interval] = price.id
        Plan.objects.filter(pk=plan.pk).update(
            stripe_product_id=product.id,
            stripe_monthly_price_id=ids[Subscription.Interval.MONTH],
            stripe_yearly_price_id=ids[Subscription.Interval.YEAR],
        )
        plan.refresh_from_db()
        synced.append(plan)
    return synced


def _retrieve(service: Any, object_id: str) -> Any | None:
    if not object_id:
        return None
    try:
        return service.retrieve(object_id)
    except stripe.InvalidRequestError:  # gone, or made in another Stripe account or sandbox
        return None


# --- The store's customer and subscription ---------------------------------------------------------------------


def owner_emails(store: Store) -> list[str]:
    return list(
        Membership.objects.filter(store_id=store.pk, role=Role.OWNER)
        .order_by("pk")
        .values_list("user__email", flat=True)
    )


def ensure_customer(*, store: Store) -> Subscription:
    """The store's billing row with its Stripe customer, made once per store and reused for every checkout."""
    existing = Subscription.objects.filter(store_id=store.pk).first()
    if existing is not None:
        return existing
    emails = owner_emails(store)
    # The idempotency key makes two racing requests get the same customer back from Stripe.
    params: CustomerCreateParams = {
        "name": store.name,
        "metadata": {"mercato_store": str(store.pk), "schema": store.schema_name},
    }
    if emails:
        params["email"] = emails[0]
    customer = stripe_client().v1.customers.create(
        params=params,
        options={"idempotency_key": f"mercato-store-customer-{store.pk}"},
    )
    try:
        with transaction.atomic():
            return Subscription.objects.create(store=store, stripe_customer_id=customer.id)
    except IntegrityError:
        return Subscription.objects.get(store_id=store.pk)


def start_checkout(*, store: Store, plan: Plan, interval: str, success_url: str, cancel_url: str) -> str:
    """A Stripe Checkout Session (subscription mode, with the plan's trial) for the owner; returns its URL.

    Nothing changes here: the subscription is recorded when Stripe's webhook confirms it.
    """
    if plan.is_free or not plan.price_id(interval):
        raise ValidationError(_("Choose a paid plan (Free needs no checkout), once its prices are set up."))
    record = ensure_customer(store=store)
    if record.is_live:
        raise ValidationError(_("This store already has a subscription; switch its plan instead."))
    limits.ensure_plan_fits(store=store, plan=plan)
    metadata = {"mercato_store": str(store.pk), "mercato_plan": plan.code}
    subscription_data: SessionCreateParamsSubscriptionData = {"metadata": metadata}
    # One trial per store: a store that subscribed before pays from the first day.
    if plan.trial_days and record.stripe_created is None:
        subscription_data["trial_period_days"] = plan.trial_days
    session = stripe_client().v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": record.stripe_customer_id,
            "client_reference_id": str(store.pk),
            "line_items": [{"price": plan.price_id(interval), "quantity": 1}],
            "subscription_data": subscription_data,
            "metadata": metadata,
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
    )
    Subscription.objects.filter(pk=record.pk).update(checkout_session_id=session.id, updated_at=timezone.now())
    # A hosted session (the default ui_mode, the only one used here) always has a URL; embedded ones have none.
    return cast(str, session.url)


def _live_record(store: Store) -> Subscription:
    record = Subscription.objects.filter(store_id=store.pk).select_related("plan").first()
    if record is None or not record.is_live or not record.stripe_subscription_id:
        raise ValidationError(_("This store has no subscription to change; choose a plan first."))
    return record


def change_plan(*, store: Store, plan: Plan, interval: str, now: datetime | None = None) -> Subscription | None:
    """Switch plan or monthly/yearly; Stripe prorates. A plan smaller than what the store uses is refused."""
    record = _live_record(store)
    if plan.is_free:
        raise ValidationError(_("To move to Free, cancel your subscription; it ends with the period you paid for."))
    limits.ensure_plan_fits(store=store, plan=plan)
    client = stripe_client()
    current = client.v1.subscriptions.retrieve(record.stripe_subscription_id)
    item = current["items"]["data"][0]
    updated = client.v1.subscriptions.update(
        record.stripe_subscription_id,
        params={
            "items": [{"id": item["id"], "price": plan.price_id(interval)}],
            "proration_behavior": "create_prorations",
            "metadata": {"mercato_store": str(store.pk), "mercato_plan": plan.code},
        },
    )
    return apply_subscription(stripe_subscription=updated.to_dict(), now=now)


def set_cancel_at_period_end(*, store: Store, cancel: bool, now: datetime | None = None) -> Subscription | None:
    """Cancel at the end of the paid period (the store drops to Free then), or undo that."""
    record = _live_record(store)
    updated = stripe_client().v1.subscriptions.update(
        record.stripe_subscription_id, params={"cancel_at_period_end": cancel}
    )
    return apply_subscription(stripe_subscription=updated.to_dict(), now=now)


def extend_trial(*, store: Store, days: int, now: datetime | None = None) -> Subscription | None:
    """Move a trialing subscription's trial end ``days`` later, in Stripe first, then here (platform admins)."""
    record = _live_record(store)
    if record.status != Subscription.Status.TRIALING or record.trial_end is None:
        raise ValidationError("Only a subscription in its trial can have the trial extended.")
    if not 1 <= days <= 365:
        raise ValidationError("Extend a trial by 1 to 365 days.")
    new_end = record.trial_end + timedelta(days=days)
    updated = stripe_client().v1.subscriptions.update(
        record.stripe_subscription_id,
        params={"trial_end": int(new_end.timestamp()), "proration_behavior": "none"},
    )
    return apply_subscription(stripe_subscription=updated.to_dict(), now=now)


def move_to_free(*, store: Store, now: datetime | None = None) -> Subscription | None:
    """End the store's subscription in Stripe at once, without proration or refund, so the store is on Free now.

    Platform admins use this; owners cancel at the period's end instead. Nothing is refunded here: a refund is a
    separate decision, made on the invoice in Stripe. Refused (Stripe untouched) if the store uses more than Free
    allows.
    """
    record = Subscription.objects.filter(store_id=store.pk).first()
    if record is None or not record.is_live or not record.stripe_subscription_id:
        raise ValidationError("This store is already on the Free plan.")
    limits.ensure_plan_fits(store=store, plan=limits.free_plan())
    canceled = stripe_client().v1.subscriptions.cancel(record.stripe_subscription_id)
    return apply_subscription(stripe_subscription=canceled.to_dict(), now=now)


def start_comp_trial(
    *, store: Store, plan: Plan, interval: str, days: int, now: datetime | None = None
) -> Subscription | None:
    """Put a store on Free on ``plan`` as a trial of ``days`` days the platform grants, with no payment method.

    The owner adds a card in the billing portal before the trial ends; without one, Stripe cancels the
    subscription at the trial's end (``trial_settings.end_behavior.missing_payment_method=cancel``) and the
    store follows the plan's trial-end rule, as after any unpaid trial.
    """
    if plan.is_free or not plan.price_id(interval):
        raise ValidationError("Choose a paid plan whose prices are set up in Stripe.")
    if not 1 <= days <= 365:
        raise ValidationError("A granted trial lasts 1 to 365 days.")
    now = now or timezone.now()
    record = ensure_customer(store=store)
    with transaction.atomic():
        # The lock makes a second submission wait, then see the first one's live subscription and stop.
        record = Subscription.objects.select_for_update().get(pk=record.pk)
        if record.is_live:
            raise ValidationError("This store already has a subscription; change its plan instead.")
        limits.ensure_plan_fits(store=store, plan=plan)
        created = stripe_client().v1.subscriptions.create(
            params={
                "customer": record.stripe_customer_id,
                "items": [{"price": plan.price_id(interval), "quantity": 1}],
                "trial_end": int((now + timedelta(days=days)).timestamp()),
                "trial_settings": {"end_behavior": {"missing_payment_method": "cancel"}},
                "metadata": {"mercato_store": str(store.pk), "mercato_plan": plan.code, "mercato_granted_trial": "1"},
            }
        )
        return apply_subscription(stripe_subscription=created.to_dict(), now=now)


def portal_url(*, store: Store, return_url: str) -> str:
    """Stripe's customer portal for the store's invoices and cards."""
    record = ensure_customer(store=store)
    session = stripe_client().v1.billing_portal.sessions.create(
        params={"customer": record.stripe_customer_id, "return_url": return_url}
    )
    return session.url


# --- Following Stripe -------------------------------------------------------------------------------------------


def plan_for_price(price_id: str) -> tuple[Plan | None, str]:
    for plan in Plan.objects.exclude(stripe_monthly_price_id="", stripe_yearly_price_id=""):
        if price_id == plan.stripe_monthly_price_id:
            return plan, Subscription.Interval.MONTH
        if price_id == plan.stripe_yearly_price_id:
            return plan, Subscription.Interval.YEAR
    return None, Subscription.Interval.MONTH


def sync_subscription(
    *, subscription_id: str = "", customer_id: str = "", now: datetime | None = None
) -> Subscription | None:
    """Re-read the subscription from Stripe and apply it: whatever order events came in, Stripe's state wins."""
    client = stripe_client()
    if subscription_id:
        remote = client.v1.subscriptions.retrieve(subscription_id).to_dict()
    else:
        found = client.v1.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 10}).data
        found = [sub for sub in found if sub.status != "incomplete_expired"]
        if not found:
            return None
        remote = max(found, key=lambda sub: sub.created).to_dict()
    return apply_subscription(stripe_subscription=remote, now=now)


def apply_subscription(*, stripe_subscription: dict, now: datetime | None = None) -> Subscription | None:
    """Record a subscription object Stripe returned, and act on what its status change means for the store."""
    now = now or timezone.now()
    remote = stripe_subscription
    customer_id = remote["customer"] if isinstance(remote["customer"], str) else remote["customer"]["id"]
    with transaction.atomic():
        record = Subscription.objects.select_for_update().filter(stripe_customer_id=customer_id).first()
        if record is None:
            logger.warning("subscription %s belongs to no store's customer (%s)", remote["id"], customer_id)
            return None
        # An older subscription of this customer (replaced by a newer one) must not overwrite the newer.
        replaced = record.stripe_subscription_id and record.stripe_subscription_id != remote["id"]
        if replaced and (record.stripe_created or 0) > remote["created"]:
            return record
        store = Store.objects.get(pk=record.store_id)
        before = record.status
        item = remote["items"]["data"][0] if remote["items"]["data"] else None
        plan, interval = plan_for_price(item["price"]["id"] if item else "")
        record.stripe_subscription_id = remote["id"]
        record.stripe_created = remote["created"]
        record.status = remote["status"]
        record.plan = plan or record.plan
        record.interval = interval
        record.trial_end = _ts(remote.get("trial_end"))
        record.current_period_end = _ts(item["current_period_end"]) if item else None
        record.cancel_at_period_end = bool(remote.get("cancel_at_period_end"))
        record.has_payment_method = bool(remote.get("default_payment_method")) or _customer_has_card(customer_id)
        record.stripe_synced_at = int(now.timestamp())
        # Ended before its trial was over: cancelled on purpose (an admin moved the store to Free), not a lapse.
        ended_at, trial_end = remote.get("ended_at"), remote.get("trial_end")
        ended_before_trial_end = bool(ended_at and trial_end and ended_at < trial_end)
        _follow_status(record, store, before=before, now=now, ended_before_trial_end=ended_before_trial_end)
        record.save()
    return record


def _customer_has_card(customer_id: str) -> bool:
    customer = stripe_client().v1.customers.retrieve(customer_id).to_dict()
    return bool((customer.get("invoice_settings") or {}).get("default_payment_method"))


def _follow_status(
    record: Subscription, store: Store, *, before: str, now: datetime, ended_before_trial_end: bool = False
) -> None:
    status = record.status
    trial_lapsed = (
        before == Subscription.Status.TRIALING
        and status not in (Subscription.Status.TRIALING, Subscription.Status.ACTIVE)
        and not ended_before_trial_end
    )
    if trial_lapsed and not record.has_payment_method:
        _end_lapsed_trial(record, store)
        return
    if status == Subscription.Status.PAST_DUE:
        if record.past_due_since is None:
            record.past_due_since = now
            email_owners(
                store=store,
                subject=f"Payment failed for {store.name} on Mercato",
                body=(
                    f"We couldn't charge the card for your {record.plan.name if record.plan else ''} plan. "
                    f"Update it within {settings.BILLING_GRACE_DAYS} days to keep {store.name} open: "
                    f"{_dashboard_billing_url(store)}"
                ),
            )
        return
    record.past_due_since = None
    if status in (Subscription.Status.ACTIVE, Subscription.Status.TRIALING) and record.suspended_for_nonpayment:
        _reactivate(record, store)


def _end_lapsed_trial(record: Subscription, store: Store) -> None:
    plan = record.plan
    if plan is not None and plan.trial_end_behavior == Plan.TrialEnd.SUSPEND:
        record.past_due_since = None
        if store.status == Store.Status.ACTIVE:
            _suspend(record, store)
        return
    # Fall back to Free: end the unpaid subscription in Stripe now; the store keeps selling on Free's limits.
    if record.status != Subscription.Status.CANCELED:
        canceled = stripe_client().v1.subscriptions.cancel(record.stripe_subscription_id)
        record.status = canceled.status
    record.past_due_since = None
    email_owners(
        store=store,
        subject=f"{store.name} is now on the Free plan",
        body=f"Your trial ended without a payment method, so {store.name} moved to the Free plan.",
    )


def _suspend(record: Subscription, store: Store) -> None:
    from tenants.services import suspend_store

    suspend_store(store=store)
    record.suspended_for_nonpayment = True
    email_owners(
        store=store,
        subject=f"{store.name} is paused until the bill is paid",
        body=f"Your storefront is offline. Pay in your dashboard to reopen it at once: {_dashboard_billing_url(store)}",
    )


def _reactivate(record: Subscription, store: Store) -> None:
    from tenants.services import restore_store

    if store.status == Store.Status.SUSPENDED:
        restore_store(store=store)
    record.suspended_for_nonpayment = False


def enforce_grace_periods(*, now: datetime | None = None) -> list[Store]:
    """Suspend stores past due for longer than the grace period (the periodic task runs this)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BILLING_GRACE_DAYS)
    suspended = []
    due = Subscription.objects.filter(
        status=Subscription.Status.PAST_DUE, past_due_since__lte=cutoff, suspended_for_nonpayment=False
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            record = Subscription.objects.select_for_update().get(pk=pk)
            store = Store.objects.get(pk=record.store_id)
            if record.status != Subscription.Status.PAST_DUE or store.status != Store.Status.ACTIVE:
                continue
            _suspend(record, store)
            record.save(update_fields=["suspended_for_nonpayment", "updated_at"])
            suspended.append(store)
    return suspended


def send_trial_reminder(*, subscription_id: str, now: datetime | None = None) -> bool:
    """Email the owner that the trial ends soon (once per trial end); returns whether an email went out."""
    with transaction.atomic():
        record = Subscription.objects.select_for_update().filter(stripe_subscription_id=subscription_id).first()
        if record is None or record.trial_end is None or record.trial_reminder_sent_for == record.trial_end:
            return False
        store = Store.objects.get(pk=record.store_id)
        ends = record.trial_end.strftime("%d %B %Y")
        payment = "" if record.has_payment_method else " Add a payment method to keep your plan."
        email_owners(
            store=store,
            subject=f"Your {store.name} trial ends on {ends}",
            body=f"Your trial of the {record.plan.name if record.plan else ''} plan ends on {ends}.{payment} "
            f"{_dashboard_billing_url(store)}",
        )
        record.trial_reminder_sent_for = record.trial_end
        record.save(update_fields=["trial_reminder_sent_for", "updated_at"])
    return True


def email_owners(*, store: Store, subject: str, body: str) -> None:
    from platform.accounts.tasks import send_email

    for email in owner_emails(store):
        enqueue_for_store(
            send_email, schema_name=settings.PUBLIC_SCHEMA_NAME, kwargs={"to": email, "subject": subject, "body": body}
        )


def _dashboard_billing_url(store: Store) -> str:
    from platform.kit.hosts import site_url
    from tenants.selectors import store_subdomain_host

    return site_url(store_subdomain_host(store.slug), limits.UPGRADE_PATH)


def sync_all_subscriptions(*, now: datetime | None = None) -> list[Subscription]:
    """Re-read every store's subscription from Stripe and repair drift (``manage.py billing_sync``)."""
    repaired = []
    for record in Subscription.objects.all():
        synced = sync_subscription(
            subscription_id=record.stripe_subscription_id, customer_id=record.stripe_customer_id, now=now
        )
        if synced is not None:
            repaired.append(synced)
    return repaired


def forgive_nonpayment_suspension(*, store: Store) -> None:
    """An admin reopened a store billing had suspended for non-payment: billing stops treating it as suspended."""
    Subscription.objects.filter(store_id=store.pk, suspended_for_nonpayment=True).update(
        suspended_for_nonpayment=False, updated_at=timezone.now()
    )
