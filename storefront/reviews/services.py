"""Writing reviews (by the buyer of a sent order), hiding them (by the seller) and reporting them to the platform."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from platform.kit import content_filter
from storefront.catalog.services import product_changed
from storefront.customers.selectors import BLOCKED_MESSAGE, is_blocked
from storefront.orders.models import Order
from storefront.orders.shipments import SENT_STATUSES
from tenants.connection import connection
from tenants.console.moderation import file_review_report
from tenants.models import Store

from .models import MAX_BODY, Review, ReviewReport
from .reputation import request_refresh

APPLY_RULING_TASK = "reviews.apply_moderation_ruling"
MAX_REPORT_REASON = 1000


@transaction.atomic
def submit_review(*, order: Order, product_id: int, rating: int | str, body: str) -> Review:
    """Record the buyer's one review of a product of their fulfilled order; ValidationError names what is wrong."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError(gettext("Choose a rating from 1 to 5 stars."), code="invalid")
    body = body.strip()
    if len(body) > MAX_BODY:
        raise ValidationError(
            gettext("Keep the review to %(limit)s characters (this one has %(length)s).")
            % {"limit": f"{MAX_BODY:,}", "length": f"{len(body):,}"},
            code="invalid",
        )
    refused = content_filter.refusal(body)
    if refused:
        raise ValidationError(refused, code="invalid")
    # Locked, so two tabs posting the same review queue here and the second finds the first.
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if is_blocked(locked.email):
        raise ValidationError(gettext(BLOCKED_MESSAGE), code="blocked")
    if locked.status not in SENT_STATUSES:
        raise ValidationError(
            gettext("You can review this order's products once it has been sent."), code="not_fulfilled"
        )
    lines = locked.lines.filter(variant__product_id=product_id)
    partly_sent = locked.status == Order.Status.PARTIALLY_FULFILLED
    if partly_sent and lines.exists() and not lines.filter(shipment_lines__isnull=False).exists():
        # Part of the order was sent: only what was sent can be judged.
        raise ValidationError(gettext("You can review this product once it has been sent."), code="not_fulfilled")
    line = lines.select_related("variant").order_by("id").first()
    if line is None:
        raise ValidationError(gettext("This product is not part of this order."), code="not_in_order")
    if Review.objects.filter(order=locked, product_id=product_id).exists():
        raise ValidationError(gettext("You have already reviewed this product for this order."), code="duplicate")
    try:
        with transaction.atomic():
            review = Review.objects.create(
                product_id=product_id,
                order=locked,
                order_line=line,
                rating=rating,
                body=body,
                author_name=(locked.ship_name.split() or [""])[0][:100],
            )
    except IntegrityError as error:  # the unique constraint is the last word if the lock was bypassed
        raise ValidationError(
            gettext("You have already reviewed this product for this order."), code="duplicate"
        ) from error
    product_changed(review.product_id)  # the store's pages, and its rating in the directory
    request_refresh()
    return review


@transaction.atomic
def set_review_hidden(*, review: Review, hidden: bool) -> Review:
    """Hide a review from the store's pages (or show it again); its rating stops counting while hidden."""
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.is_hidden != hidden:
        locked.is_hidden = hidden
        locked.hidden_at = timezone.now() if hidden else None
        locked.save(update_fields=["is_hidden", "hidden_at"])
        product_changed(locked.product_id)
        request_refresh()
    return locked


@transaction.atomic
def report_review(*, review: Review, reason: str, actor: str) -> ReviewReport:
    """The seller reports a review as abusive: kept here and copied to the platform's moderation queue."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(gettext("Say why this review is abusive."), code="invalid")
    if len(reason) > MAX_REPORT_REASON:
        message = gettext("Keep the reason to %(limit)s characters.") % {"limit": f"{MAX_REPORT_REASON:,}"}
        raise ValidationError(message, code="invalid")
    locked = Review.objects.select_for_update().select_related("product", "order").get(pk=review.pk)
    if ReviewReport.objects.filter(review=locked, status=ReviewReport.Status.OPEN).exists():
        raise ValidationError(gettext("This review is already waiting for the platform's decision."), code="duplicate")
    report = ReviewReport.objects.create(review=locked, reason=reason, reported_by=actor[:254])
    file_review_report(
        store=Store.objects.get(schema_name=connection.schema_name),
        review_id=locked.pk,
        report_id=report.pk,
        product_title=locked.product.title,
        rating=locked.rating,
        body=locked.body,
        author_name=locked.author_name,
        buyer_email=locked.order.email,
        reason=reason,
        reported_by=actor,
    )
    return report


@transaction.atomic
def apply_moderation_ruling(*, report_id: int, status: str, reason: str) -> ReviewReport | None:
    """The platform's decision on a report, applied in the store's schema: hiding it stops it counting."""
    report = ReviewReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None or report.status != ReviewReport.Status.OPEN or status not in ReviewReport.Status.values:
        return report
    report.status, report.decision_reason, report.decided_at = status, reason[:1000], timezone.now()
    report.save(update_fields=["status", "decision_reason", "decided_at"])
    if status == ReviewReport.Status.HIDDEN:
        review = set_review_hidden(review=report.review, hidden=True)
        Review.objects.filter(pk=review.pk).update(hidden_reason=reason[:500])
    return report
