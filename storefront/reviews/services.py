"""Writing reviews (by the buyer of a sent order, for the products sent) and hiding them (by the seller)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from storefront.catalog.services import product_changed
from storefront.orders.models import Order
from storefront.orders.shipments import SENT_STATUSES

from .models import MAX_BODY, Review


@transaction.atomic
def submit_review(*, order: Order, product_id: int, rating: int | str, body: str) -> Review:
    """Record the buyer's one review of a product of their fulfilled order; ValidationError names what is wrong."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError("Choose a rating from 1 to 5 stars.", code="invalid")
    body = body.strip()
    if len(body) > MAX_BODY:
        raise ValidationError(
            f"Keep the review to {MAX_BODY:,} characters (this one has {len(body):,}).", code="invalid"
        )
    # Locked, so two tabs posting the same review queue here and the second finds the first.
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status not in SENT_STATUSES:
        raise ValidationError("You can review this order's products once it has been sent.", code="not_fulfilled")
    lines = locked.lines.filter(variant__product_id=product_id)
    partly_sent = locked.status == Order.Status.PARTIALLY_FULFILLED
    if partly_sent and lines.exists() and not lines.filter(shipment_lines__isnull=False).exists():
        # Part of the order was sent: only what was sent can be judged.
        raise ValidationError("You can review this product once it has been sent.", code="not_fulfilled")
    line = lines.select_related("variant").order_by("id").first()
    if line is None:
        raise ValidationError("This product is not part of this order.", code="not_in_order")
    if Review.objects.filter(order=locked, product_id=product_id).exists():
        raise ValidationError("You have already reviewed this product for this order.", code="duplicate")
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
        raise ValidationError("You have already reviewed this product for this order.", code="duplicate") from error
    product_changed(review.product_id)  # the store's pages, and its rating in the directory
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
    return locked
