"""What platform admins do to a store from the console; each action writes one audit row (tenants.audit)."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from billing import services as billing_services
from billing.models import Plan, Subscription
from platform.accounts.models import User
from platform.kit.queueing import enqueue_for_store
from tenants.audit import record_admin_action
from tenants.models import AdminAction, Pod, Store
from tenants.pods.config import PodNotConfigured, ensure_pod_database
from tenants.pods.selectors import server_figures
from tenants.pods.services import MoveFailed, move_store
from tenants.services import restore_store, suspend_store

from .selectors import (
    MOVE_FAILED,
    MOVE_MOVED,
    MOVE_QUEUED,
    store_move_state,
    store_snapshot,
    subscription_snapshot,
)
from .support import make_support_token

logger = logging.getLogger(__name__)


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


# --- Moving a store to another pod: queued here, carried out by the worker ----------------------------------


def place_name(pod: Pod | None) -> str:
    """A pod's name, or "platform" for the platform database (as ``manage.py pods move`` spells it)."""
    return pod.name if pod is not None else "platform"


def check_move_target(*, store: Store, to_pod: Pod | None) -> None:
    """Refuse, with the reason, a move ``store`` can't make to ``to_pod`` now (None: the platform database)."""
    _check_store_can_move(store=store, to_pod=to_pod)
    if to_pod is not None:
        try:
            ensure_pod_database(to_pod.database_alias)
        except PodNotConfigured as error:
            raise ValidationError(f"{to_pod.name} can't be reached from here: {error}") from error
        if server_figures(to_pod.database_alias) == (None, None):
            raise ValidationError(f"{to_pod.name}'s database doesn't answer just now; nothing was queued.")


def _check_store_can_move(*, store: Store, to_pod: Pod | None) -> None:
    if store.status == Store.Status.CLOSED:
        # Its schema only waits for the purge, which must not meet a move half-way (the switch would find no row).
        raise ValidationError(f"{store.slug} is closed: its data only waits to be purged. Reactivate it first.")
    if store.status == Store.Status.PROVISIONING:
        raise ValidationError(f"{store.slug} is still being made; move it once it is active.")
    if store.pod_id == (to_pod.pk if to_pod is not None else None):
        raise ValidationError(f"{store.slug} is already on {place_name(to_pod)}: choose another pod.")
    state = store_move_state(store)
    if state.moving_since is not None:
        raise ValidationError(f"{store.slug} is being moved (since {state.moving_since:%Y-%m-%d %H:%M:%S} UTC).")
    if state.queued is not None:
        raise ValidationError(
            f"A move of {store.slug} to {state.queued.after.get('to')} is already waiting for the worker "
            f"(asked by {state.queued.actor_email})."
        )


def request_store_move_as_admin(*, store: Store, actor: User, to_pod: Pod | None, reason: str) -> AdminAction:
    """Audit an admin's move of ``store`` to ``to_pod`` (None: the platform database) and queue it for the worker,
    which calls the same ``move_store`` as ``manage.py pods move`` (``carry_out_store_move``).

    A closed pod is allowed: it is closed to new stores, and moving one there is an admin's deliberate choice (the
    confirmation page says so, and the audit row records it).
    """
    reason = _reason(reason)
    check_move_target(store=store, to_pod=to_pod)
    with transaction.atomic():
        # Two admins asking at once: the second waits here and then sees the first one's request.
        store = Store.objects.select_for_update().get(pk=store.pk)
        _check_store_can_move(store=store, to_pod=to_pod)
        source = place_name(store.pod)
        row = record_admin_action(
            kind=AdminAction.Kind.MOVE,
            store=store,
            actor=actor,
            reason=reason,
            before={"pod": source},
            after={
                "outcome": MOVE_QUEUED,
                "from": source,
                "to": place_name(to_pod),
                "target_open_to_new_stores": to_pod.is_open if to_pod is not None else None,
            },
        )
        # From the platform (public schema), not the store's pod: the move runs from the platform. Its store goes
        # in the arguments, by id.
        enqueue_for_store(
            "tenants.move_store_to_pod",
            schema_name=settings.PUBLIC_SCHEMA_NAME,
            args=(store.pk, to_pod.pk if to_pod is not None else None, row.pk),
        )
    return row


def carry_out_store_move(*, store_id: int, to_pod_id: int | None, request_id: int) -> AdminAction:
    """Run the move an admin asked for (``request_id``: its audit row) and audit its outcome, moved or failed with
    the error. Run twice for the same request (a redelivered task), it returns the outcome already recorded."""
    request = AdminAction.objects.get(pk=request_id, kind=AdminAction.Kind.MOVE)
    done = AdminAction.objects.filter(kind=AdminAction.Kind.MOVE, after__request=request.pk).first()
    if done is not None:
        return done
    store = Store.objects.select_related("pod").filter(pk=store_id).first()
    to_pod = Pod.objects.filter(pk=to_pod_id).first() if to_pod_id is not None else None
    after: dict = {"request": request.pk, "from": request.after.get("from"), "to": request.after.get("to")}
    try:
        if store is None:
            raise ValidationError("the store is gone (purged) since the move was asked for")
        if to_pod_id is not None and to_pod is None:
            raise ValidationError(f"pod {request.after.get('to')} is gone since the move was asked for")
        after["from"] = place_name(store.pod)
        if store.status == Store.Status.CLOSED:
            raise ValidationError(f"{store.slug} was closed since the move was asked for; it stays where it is.")
        report = move_store(store=store, to_pod=to_pod)
    except (ValidationError, MoveFailed, PodNotConfigured) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        after.update(outcome=MOVE_FAILED, error=" ".join(messages))
    except Exception as error:
        # Not retried by the task: a move is an admin's decision, made again from the console if still wanted.
        logger.exception("moving store %s to %s failed", store_id, request.after.get("to"))
        after.update(outcome=MOVE_FAILED, error=f"{type(error).__name__}: {error}")
    else:
        after.update(
            outcome=MOVE_MOVED,
            read_only_seconds=round(report.seconds, 2),
            schema="claimed from the pool" if report.schema_claimed else "made by the migrations",
            tables=report.tables,
            rows=report.rows,
        )
    # The outcome is the requesting admin's, even if their account has gone since.
    return AdminAction.objects.create(
        kind=AdminAction.Kind.MOVE,
        store_id=request.store_id,
        store_slug=request.store_slug,
        actor_id=request.actor_id,
        actor_email=request.actor_email,
        reason=request.reason,
        before={"pod": after["from"]},
        after=after,
    )
