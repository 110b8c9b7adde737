"""What platform admins do to a store from the console; each action writes one audit row (tenants.audit)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from billing import services as billing_services
from billing.models import Plan, Subscription
from platform.accounts.models import User
from tenants.audit import record_admin_action
from tenants.models import AdminAction, Store
from tenants.services import restore_store, suspend_store

from .selectors import store_snapshot, subscription_snapshot
from .support import make_support_token


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why: the reason goes into the audit log."})
    return reason


def _locked(store: Store) -> Store:
    return Store.objects.select_for_update().get(pk=store.pk)


# The states each action may start from, and what it says otherwise ({status}: the stored value, {label}: its name).
_ALLOWED_STATES: dict[str, tuple[frozenset[str], str]] = {
    AdminAction.Kind.SUSPEND: (
        frozenset({Store.Status.ACTIVE}),
        "Only an active store can be suspended; this one is {label}.",
    ),
    AdminAction.Kind.REACTIVATE: (
        frozenset({Store.Status.SUSPENDED, Store.Status.CLOSED}),
        "Only a suspended or closed store can be reactivated; this one is {status}.",
    ),
    AdminAction.Kind.VIEW_AS_SUPPORT: (
        frozenset(Store.Status.values) - {Store.Status.CLOSED},
        "A closed store has no dashboard to open.",
    ),
}


def _check_state(kind: str, store: Store) -> None:
    """Refuse ``kind`` on a store whose state it can't start from (``_ALLOWED_STATES``)."""
    allowed, refusal = _ALLOWED_STATES[kind]
    if store.status not in allowed:
        raise ValidationError(refusal.format(status=store.status, label=store.get_status_display()))


def suspend_store_as_admin(*, store: Store, actor: User | None, reason: str) -> AdminAction:
    """Take the storefront offline; the owner sees ``reason`` on the dashboard, which stays open to them."""
    reason = _reason(reason)
    if len(reason) > 500:
        raise ValidationError({"reason": "Keep the reason under 500 characters: the owner sees it."})
    with transaction.atomic():
        store = _locked(store)
        _check_state(AdminAction.Kind.SUSPEND, store)
        before = store_snapshot(store)
        suspend_store(store=store, reason=reason, actor=actor)
        return record_admin_action(
            kind=AdminAction.Kind.SUSPEND,
            store=store,
            actor=actor,
            reason=reason,
            before=before,
            after=store_snapshot(store),
        )


def reactivate_store_as_admin(*, store: Store, actor: User | None, reason: str) -> AdminAction:
    """Reopen a suspended (or closed, not yet purged) store."""
    reason = _reason(reason)
    with transaction.atomic():
        store = _locked(store)
        _check_state(AdminAction.Kind.REACTIVATE, store)
        before = store_snapshot(store)
        restore_store(store=store, actor=actor)
        # A store billing suspended for non-payment is reopened on purpose here: billing stops treating it so.
        billing_services.forgive_nonpayment_suspension(store=store)
        return record_admin_action(
            kind=AdminAction.Kind.REACTIVATE,
            store=store,
            actor=actor,
            reason=reason,
            before=before,
            after=store_snapshot(store),
        )


def change_plan_as_admin(
    *, store: Store, actor: User | None, plan: Plan, interval: str, reason: str, trial_days: int | None = None
) -> AdminAction:
    """Put the store on ``plan`` in Stripe and here, then audit it; which billing service depends on where it is.

    - Free: its subscription ends at once, without refund (``billing.services.move_to_free``).
    - A paid plan, with a live subscription: the price is swapped, prorated (``billing.services.change_plan``).
    - A paid plan, on Free: a trial of ``trial_days`` days the platform grants (``billing.services.start_comp_trial``).

    Refused, with billing's message, when the store uses more than the plan allows.
    """
    reason = _reason(reason)
    if interval not in Subscription.Interval.values:
        raise ValidationError({"interval": "Choose monthly or yearly."})
    before = subscription_snapshot(store)
    extra: dict = {}
    if plan.is_free:
        billing_services.move_to_free(store=store)
        extra = {"ended": "now, without refund"}
    elif Subscription.objects.filter(store_id=store.pk, status__in=Subscription.LIVE).exists():
        if trial_days is not None:
            raise ValidationError(
                "This store already has a subscription: leave the trial days empty to change its plan, "
                "or use Extend trial."
            )
        billing_services.change_plan(store=store, plan=plan, interval=interval)
    elif trial_days is None:
        raise ValidationError(
            "This store has no subscription to change: give the number of trial days to grant it on this plan."
        )
    else:
        billing_services.start_comp_trial(store=store, plan=plan, interval=interval, days=trial_days)
        extra = {"granted_trial_days": trial_days}
    return record_admin_action(
        kind=AdminAction.Kind.CHANGE_PLAN,
        store=store,
        actor=actor,
        reason=reason,
        before=before,
        after={**subscription_snapshot(store), **extra},
    )


def extend_trial_as_admin(*, store: Store, actor: User | None, days: int, reason: str) -> AdminAction:
    """Push the trial's end ``days`` later in Stripe and here (billing.services.extend_trial), then audit it."""
    reason = _reason(reason)
    before = subscription_snapshot(store)
    billing_services.extend_trial(store=store, days=days)
    return record_admin_action(
        kind=AdminAction.Kind.EXTEND_TRIAL,
        store=store,
        actor=actor,
        reason=reason,
        before=before,
        after={**subscription_snapshot(store), "extended_by_days": days},
    )


def start_support_view(*, store: Store, actor: User, reason: str) -> str:
    """Audit the admin's read-only visit and return the one-time token that opens the store's dashboard."""
    reason = _reason(reason)
    _check_state(AdminAction.Kind.VIEW_AS_SUPPORT, store)
    with transaction.atomic():
        row = record_admin_action(
            kind=AdminAction.Kind.VIEW_AS_SUPPORT,
            store=store,
            actor=actor,
            reason=reason,
            after={"read_only": True},
        )
        return make_support_token(actor=actor, store=store, audit_id=row.pk)
