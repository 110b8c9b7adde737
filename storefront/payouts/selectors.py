"""Reads for the seller's money view: each marketplace order's payout, and a month's statement."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from decimal import Decimal

from .models import OrderPayout, PayoutReversal


@dataclass(frozen=True)
class StatementRow:
    when: datetime
    order_id: int
    kind: str  # "transfer" or "reversal"
    paid: Decimal
    platform_fee: Decimal
    refunded: Decimal
    transferred: Decimal
    taken_back: Decimal
    stripe_id: str


@dataclass
class Statement:
    month: date  # the first day of the month
    currency: str
    rows: list[StatementRow] = field(default_factory=list)

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.rows), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return self._sum("paid")

    @property
    def platform_fee(self) -> Decimal:
        return self._sum("platform_fee")

    @property
    def refunded(self) -> Decimal:
        return self._sum("refunded")

    @property
    def transferred(self) -> Decimal:
        return self._sum("transferred")

    @property
    def taken_back(self) -> Decimal:
        return self._sum("taken_back")

    @property
    def net(self) -> Decimal:
        """The month's payouts: what was transferred to the store less what refunds took back."""
        return self.transferred - self.taken_back


def order_payouts(*, limit: int = 200) -> list[OrderPayout]:
    """The newest marketplace orders' payouts, with their orders (for paid and refunded)."""
    return list(OrderPayout.objects.select_related("order")[:limit])


def month_bounds(month: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=tz)
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, datetime.combine(following, time.min, tzinfo=tz)


def monthly_statement(*, month: date, tz: tzinfo, currency: str) -> Statement:
    """Every transfer and reversal of the month (in the store's time zone), oldest first."""
    start, end = month_bounds(month, tz)
    statement = Statement(month=month.replace(day=1), currency=currency)
    zero = Decimal(0)
    for payout in OrderPayout.objects.filter(created_at__gte=start, created_at__lt=end).order_by("created_at", "id"):
        statement.rows.append(
            StatementRow(
                when=payout.created_at,
                order_id=payout.order_id,
                kind="transfer",
                paid=payout.paid,
                platform_fee=payout.platform_fee,
                refunded=zero,
                transferred=payout.transferred,
                taken_back=zero,
                stripe_id=payout.stripe_transfer_id,
            )
        )
    reversals = PayoutReversal.objects.filter(created_at__gte=start, created_at__lt=end).select_related("payout")
    for reversal in reversals.order_by("created_at", "id"):
        earlier = reversal.payout.reversals.filter(pk__lt=reversal.pk).order_by("-id").first()
        statement.rows.append(
            StatementRow(
                when=reversal.created_at,
                order_id=reversal.payout.order_id,
                kind="reversal",
                paid=zero,
                platform_fee=zero,
                refunded=reversal.refunded_total - (earlier.refunded_total if earlier else zero),
                transferred=zero,
                taken_back=reversal.amount,
                stripe_id=reversal.stripe_reversal_id,
            )
        )
    statement.rows.sort(key=lambda row: (row.when, row.stripe_id))
    return statement
