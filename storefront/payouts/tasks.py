"""The payouts task: reversing a marketplace transfer after a refund, in the store's schema."""

from celery import shared_task

from .services import REVERSE_TASK, reverse_transfer_after_refund


@shared_task(name=REVERSE_TASK, acks_late=True)
def reverse_transfer_after_refund_task(order_id: int) -> str | None:
    """Take back the refunded share of the order's transfer; safe to run twice (see the service)."""
    reversal = reverse_transfer_after_refund(order_id=order_id)
    return reversal.stripe_reversal_id if reversal else None
