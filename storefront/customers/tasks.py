"""Tasks of a store's buyer accounts that keep the marketplace account's public rows in step (they run in the store)."""

from celery import shared_task


@shared_task(name="customers.share_orders_with_marketplace", ignore_result=True)
def share_orders_with_marketplace(order_ids: list[int]) -> int:
    """Write these orders' number, total and status into their buyer's marketplace history; safe to run twice."""
    from .marketplace import share_orders

    return share_orders(order_ids=[int(order_id) for order_id in order_ids])


@shared_task(name="customers.forget_marketplace_buyer", ignore_result=True)
def forget_marketplace_buyer(buyer_id: int) -> int:
    """A deleted marketplace account: unlink this store's customer record of it (which stays, with its orders)."""
    from .marketplace import forget_marketplace_buyer as forget

    return forget(buyer_id=int(buyer_id))
