"""Reads for the platform console: the store list's columns, the dashboard's figures and charts, a store's moves.

Everything here reads the public schema only (stores, subscriptions, Stripe events and the StoreDailyStats rows
the per-store task writes), in a fixed number of queries whatever the number of stores.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg, JSONBAgg
from django.db.models import CharField, Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, JSONObject, TruncDate
from django.utils import timezone

from billing.models import Plan, StripeEvent, Subscription
from tenants.models import AdminAction, Role, Store, StoreDailyStats, StoreDomain
from tenants.pods.selectors import MOVE_GIVEN_UP_AFTER, is_moving

DASHBOARD_DAYS = 90
RECENT_DAYS = 30
FAILED_PAYMENT_EVENT = "invoice.payment_failed"
# Subscriptions that bring money in: a trial pays nothing yet, a past-due one is still owed.
PAYING = (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)


# --- The store list ---------------------------------------------------------------------------------------


def store_list_queryset(queryset: QuerySet[Store], *, today: date | None = None) -> QuerySet[Store]:
    """``queryset`` with every column of the console's store list, as one query (subqueries, no GROUP BY)."""
    from tenants.models import Membership

    today = today or timezone.now().date()
    since = today - timedelta(days=RECENT_DAYS - 1)
    stats = StoreDailyStats.objects.filter(store=OuterRef("pk"))
    recent = stats.filter(date__gte=since).values("store")
    latest = stats.order_by("-date")
    # The store's current currency: that of its newest row (a nested subquery, hence the double OuterRef).
    main_currency = Subquery(
        StoreDailyStats.objects.filter(store=OuterRef(OuterRef("pk"))).order_by("-date").values("currency")[:1]
    )
    return queryset.select_related("subscription__plan").annotate(
        hosts=Subquery(
            StoreDomain.objects.filter(tenant=OuterRef("pk"))
            .values("tenant")
            .annotate(all=ArrayAgg("domain", ordering=("-is_primary", "domain")))
            .values("all")
        ),
        owner_email=Subquery(
            Membership.objects.filter(store=OuterRef("pk"), role=Role.OWNER).order_by("pk").values("user__email")[:1]
        ),
        orders_30d=Coalesce(
            Subquery(recent.annotate(total=Sum("orders")).values("total"), output_field=IntegerField()), 0
        ),
        # In the store's current currency only (what the column sorts by); gmv_30d_days has every currency.
        gmv_30d=Coalesce(
            Subquery(recent.filter(currency=main_currency).annotate(total=Sum("gmv")).values("total")), Decimal("0")
        ),
        # Each recent day's [currency, amount as text]; gmv_by_currency adds them up per currency.
        gmv_30d_days=Subquery(
            recent.annotate(
                days=JSONBAgg(JSONObject(currency="currency", gmv=Cast("gmv", CharField())), ordering="date")
            ).values("days")
        ),
        gmv_currency=Subquery(latest.values("currency")[:1]),
        product_count=Subquery(latest.values("product_count")[:1]),
        schema_bytes=Subquery(latest.values("schema_bytes")[:1]),
        last_seller_activity_at=Subquery(
            stats.filter(last_seller_activity_at__isnull=False)
            .order_by("-last_seller_activity_at")
            .values("last_seller_activity_at")[:1]
        ),
    )


def gmv_by_currency(days: list[dict] | None) -> dict[str, Decimal]:
    """The store list's ``gmv_30d_days`` added up per currency."""
    totals: dict[str, Decimal] = {}
    for day in days or []:
        totals[day["currency"]] = totals.get(day["currency"], Decimal("0")) + Decimal(day["gmv"])
    return totals


def money_by_currency(amounts: Mapping[str, Decimal | str] | None, *, main: str | None = None) -> str:
    """ "1,150.00 USD · 300.00 EUR": one figure per currency, never added together; ``main`` first, then largest."""
    if not amounts:
        return "—"
    figures = {currency: Decimal(amount) for currency, amount in amounts.items()}
    order = sorted(figures, key=lambda currency: (currency != main, -figures[currency], currency))
    return " · ".join(f"{figures[currency]:,.2f} {currency}" for currency in order)


def human_bytes(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


# --- Charts -----------------------------------------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass
class BarChart:
    """A bar chart laid out for an inline SVG (templates/admin/tenants/_bar_chart.html)."""

    title: str
    bars: list[Bar]
    width: int
    height: int
    top_label: str
    first_label: str
    last_label: str
    total: str
    # Few bars with names (plans, statuses) get each its label; a daily series only its first and last day.
    categorical: bool = False


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 720, 160, 4


def bar_chart(
    title: str, points: list[tuple[str, Decimal | int]], *, unit: str = "", categorical: bool = False
) -> BarChart:
    """Lay ``points`` (label, value) out as bars scaled to the largest value; empty values are flat bars."""
    top = max((value for _, value in points), default=0) or 1
    slot = CHART_WIDTH / max(len(points), 1)
    usable = CHART_HEIGHT - CHART_PAD
    bars = []
    for index, (label, value) in enumerate(points):
        height = max(float(value) / float(top) * usable, 1.0 if value else 0.0)
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.1, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(slot * 0.8, 2),
                height=round(height, 2),
                label=label,
                value=f"{value}{unit}",
            )
        )
    total = sum((value for _, value in points), 0)
    return BarChart(
        title=title,
        bars=bars,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        top_label=f"{top}{unit}",
        first_label=points[0][0] if points else "",
        last_label=points[-1][0] if points else "",
        total=f"{total}{unit}",
        categorical=categorical,
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _daily(first: date, last: date, values: Mapping[date, Decimal | int]) -> list[tuple[str, Decimal | int]]:
    return [(day.isoformat(), values.get(day, 0)) for day in _days(first, last)]


# --- The dashboard ----------------------------------------------------------------------------------------


@dataclass
class PlanRevenue:
    plan: str
    currency: str
    subscriptions: int
    mrr: Decimal


def platform_figures(*, today: date | None = None, days: int = DASHBOARD_DAYS) -> dict:
    """The dashboard's numbers and charts for the ``days`` up to ``today``: seven queries, for any number of stores."""
    today = today or timezone.now().date()
    first = today - timedelta(days=days - 1)

    signups = dict(
        Store.objects.filter(created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(count=Count("id"))
    )
    by_status = dict(Store.objects.values_list("status").annotate(count=Count("id")))

    revenue: dict[tuple[str, str], PlanRevenue] = {}
    paying = (
        Subscription.objects.filter(status__in=PAYING, plan__isnull=False)
        .values("plan__name", "plan__currency", "interval", "plan__monthly_price", "plan__yearly_price")
        .annotate(count=Count("id"))
        .order_by("plan__monthly_price", "plan__name")
    )
    for row in paying:
        key = (row["plan__name"], row["plan__currency"])
        monthly = (
            row["plan__yearly_price"] / 12
            if row["interval"] == Subscription.Interval.YEAR
            else row["plan__monthly_price"]
        )
        entry = revenue.setdefault(key, PlanRevenue(key[0], key[1], 0, Decimal("0")))
        entry.subscriptions += row["count"]
        entry.mrr += (monthly * row["count"]).quantize(Decimal("0.01"))
    trialing = Subscription.objects.filter(status=Subscription.Status.TRIALING).count()

    gmv_rows = (
        StoreDailyStats.objects.filter(date__gte=first, date__lte=today)
        .values("date", "currency")
        .annotate(gmv=Sum("gmv"), orders=Sum("orders"))
    )
    gmv_by_currency: dict[str, dict[date, Decimal]] = {}
    orders_by_day: dict[date, int] = {}
    for day in gmv_rows:
        gmv_by_currency.setdefault(day["currency"], {})[day["date"]] = day["gmv"]
        orders_by_day[day["date"]] = orders_by_day.get(day["date"], 0) + day["orders"]

    failed = dict(
        StripeEvent.objects.filter(type=FAILED_PAYMENT_EVENT, received_at__date__gte=first)
        .annotate(day=TruncDate("received_at"))
        .values_list("day")
        .annotate(count=Count("id"))
    )
    past_due = Subscription.objects.filter(status=Subscription.Status.PAST_DUE).count()

    gmv_charts = [
        bar_chart(f"GMV per day ({currency})", _daily(first, today, values), unit="")
        for currency, values in sorted(gmv_by_currency.items())
    ] or [bar_chart("GMV per day", _daily(first, today, {}))]
    plans = sorted(revenue.values(), key=lambda entry: (entry.currency, entry.mrr))
    return {
        "first_day": first,
        "last_day": today,
        "days": days,
        "stores": {status: by_status.get(status, 0) for status in Store.Status.values},
        "signups_total": sum(signups.values()),
        "plans": plans,
        "mrr_by_currency": _totals((entry.currency, entry.mrr) for entry in plans),
        "trialing": trialing,
        "gmv_by_currency": {
            currency: sum(values.values(), Decimal("0")) for currency, values in gmv_by_currency.items()
        },
        "orders_total": sum(orders_by_day.values()),
        "failed_payments_total": sum(failed.values()),
        "past_due": past_due,
        "charts": [
            bar_chart("Sign-ups per day", _daily(first, today, signups)),
            *gmv_charts,
            bar_chart("Failed payments per day", _daily(first, today, failed)),
            bar_chart(
                "MRR by plan",
                [(f"{entry.plan} ({entry.currency})", entry.mrr) for entry in plans],
                categorical=True,
            ),
            bar_chart(
                "Stores by status",
                [(label, by_status.get(value, 0)) for value, label in Store.Status.choices],
                categorical=True,
            ),
        ],
    }


def _totals(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for currency, amount in pairs:
        totals[currency] = totals.get(currency, Decimal("0")) + amount
    return totals


def plan_choices() -> QuerySet[Plan]:
    """Plans an admin may move a store to: every plan, Free included (its subscription then ends at once)."""
    return Plan.objects.order_by("monthly_price")


def subscription_snapshot(store: Store) -> dict:
    """The store's billing state for an audit row's before/after."""
    record = Subscription.objects.filter(store_id=store.pk).select_related("plan").first()
    if record is None:
        return {"plan": None, "status": Subscription.Status.NONE}
    return {
        "plan": record.plan.code if record.plan else None,
        "interval": record.interval,
        "status": record.status,
        "trial_end": record.trial_end.isoformat() if record.trial_end else None,
        "stripe_subscription": record.stripe_subscription_id,
    }


def store_snapshot(store: Store) -> dict:
    """The store's own state for an audit row's before/after."""
    return {"status": store.status, "suspension_reason": store.suspension_reason}


# --- Moves between pods -----------------------------------------------------------------------------------

# A move's audit rows say where it stands in ``after["outcome"]``: the admin's request, then the worker's result.
MOVE_QUEUED, MOVE_MOVED, MOVE_FAILED = "queued", "moved", "failed"


@dataclass(frozen=True)
class MoveState:
    """Where a store stands with moves, for its console page: moving now, a move waiting for the worker, and the
    last move's outcome."""

    moving_since: datetime | None  # the read-only flag of a move under way
    queued: AdminAction | None  # a request the worker has not finished (nor given up on) yet
    last_outcome: AdminAction | None  # the newest "moved" or "failed" row


def store_move_state(store: Store) -> MoveState:
    """``store``'s moves, from its row and its audit log (two small queries)."""
    rows = AdminAction.objects.filter(store_id=store.pk, kind=AdminAction.Kind.MOVE)
    newest = rows.first()
    # A request whose task was lost stops counting as the flag of a dead move does (tenants.pods.selectors).
    waiting = (
        newest is not None
        and newest.after.get("outcome") == MOVE_QUEUED
        and newest.created_at > timezone.now() - MOVE_GIVEN_UP_AFTER
    )
    queued = newest if waiting else None
    last_outcome = rows.filter(after__outcome__in=[MOVE_MOVED, MOVE_FAILED]).first()
    return MoveState(store.moving_since if is_moving(store) else None, queued, last_outcome)
