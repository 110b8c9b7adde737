"""The review moderation queue: reports filed by stores, and the platform admins' audited decisions on them.

Stores file reports here through ``file_review_report`` (called by storefront.reviews.services in the store's
request); a decision never touches the store's schema from here: hiding sends a task to that store.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from platform.accounts.models import User
from platform.accounts.tasks import send_email
from platform.kit.queueing import enqueue_for_store
from tenants.audit import record_admin_action
from tenants.models import AdminAction, ReviewModeration, Store

# Named, not imported: the task belongs to the store's code (storefront.reviews.tasks).
APPLY_RULING_TASK = "reviews.apply_moderation_ruling"

_AUDIT_KIND: dict[str, str] = {
    ReviewModeration.Status.APPROVED: AdminAction.Kind.REVIEW_APPROVE,
    ReviewModeration.Status.HIDDEN: AdminAction.Kind.REVIEW_HIDE,
    ReviewModeration.Status.WARNED: AdminAction.Kind.REVIEW_WARN,
}


def file_review_report(
    *,
    store: Store,
    review_id: int,
    report_id: int,
    product_title: str,
    rating: int,
    body: str,
    author_name: str,
    buyer_email: str,
    reason: str,
    reported_by: str,
) -> ReviewModeration:
    """Put a store's report in the queue; the same report filed twice is one entry."""
    entry, _ = ReviewModeration.objects.get_or_create(
        store=store,
        report_id=report_id,
        defaults={
            "review_id": review_id,
            "product_title": product_title[:200],
            "rating": rating,
            "body": body,
            "author_name": author_name[:100],
            "buyer_email": buyer_email,
            "reason": reason,
            "reported_by": reported_by[:254],
        },
    )
    return entry


@transaction.atomic
def decide(*, entry: ReviewModeration, status: str, reason: str, actor: User | None) -> ReviewModeration:
    """Approve (the review stays), hide it (a task hides it in its store) or warn the buyer; audited once."""
    reason = reason.strip()
    if status not in _AUDIT_KIND:
        raise ValidationError("Choose approve, hide or warn.", code="invalid")
    if not reason:
        raise ValidationError("Give the reason for this decision; it is kept in the audit log.", code="invalid")
    locked = ReviewModeration.objects.select_for_update().select_related("store").get(pk=entry.pk)
    if locked.status != ReviewModeration.Status.OPEN:
        raise ValidationError("This report was already decided.", code="decided")
    before = {"status": locked.status}
    locked.status, locked.decision_reason, locked.decided_at = status, reason, timezone.now()
    locked.decided_by = getattr(actor, "email", "") if actor is not None else "command line"
    locked.save(update_fields=["status", "decision_reason", "decided_at", "decided_by"])
    store = locked.store
    record_admin_action(
        kind=_AUDIT_KIND[status],
        store=store,
        actor=actor,
        reason=reason,
        before={**before, "review_id": locked.review_id, "report_id": locked.report_id},
        after={"status": status},
    )
    enqueue_for_store(APPLY_RULING_TASK, schema_name=store.schema_name, args=(locked.report_id, status, reason))
    if status == ReviewModeration.Status.WARNED:
        body = (
            f"Your review of {locked.product_title} at {store.name} was reported and reviewed by Mercato.\n\n"
            f"{reason}\n\nPlease keep reviews about the product and the service; further abuse may hide them."
        )
        enqueue_for_store(
            send_email,
            schema_name="public",
            kwargs={"to": locked.buyer_email, "subject": f"About your review at {store.name}", "body": body},
        )
    return locked
