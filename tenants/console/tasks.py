"""The console's background work: a store move an admin asked for, run by the worker rather than the request."""

from celery import shared_task


@shared_task(name="tenants.move_store_to_pod", ignore_result=True, acks_late=True)
def move_store_to_pod(store_id: int, to_pod_id: int | None, request_id: int) -> None:
    """Move the store ``store_id`` to the pod ``to_pod_id`` (None: the platform database), as the admin asked in
    the audit row ``request_id``, and audit the outcome. Sent from the public schema: the move runs from the
    platform, its store named here by id."""
    from .actions import carry_out_store_move

    carry_out_store_move(store_id=store_id, to_pod_id=to_pod_id, request_id=request_id)
