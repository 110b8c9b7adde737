"""The order email outbox: emails to the buyer are written with the change they announce and sent by a task.

``queue_order_email`` runs inside the caller's transaction, so the email exists if and only if the change
committed. After the commit a drain task is sent; if the broker is unreachable the row waits for the beat's
per-store drain (``orders.dispatch_order_email_drains``). The drain claims rows with
``SELECT ... FOR UPDATE SKIP LOCKED``, so two drains running at once never send the same row.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from storefront.catalog.money import format_amount

from .models import Order, OrderEmail, Refund, ReturnRequest, Shipment

logger = logging.getLogger(__name__)

# A row that failed this many times stays in the table, visible in the admin, instead of being retried forever.
MAX_ATTEMPTS = 10
# One drain sends at most this many; the next drain (the kick of a later email, or the beat) continues.
DRAIN_LIMIT = 200


def queue_order_email(
    *, order: Order, kind: str, subject: str, body: str, reference: str = "", to: str | None = None
) -> OrderEmail:
    """Write the email to the outbox in the current transaction; a second call for the same occasion is a no-op.

    ``to`` is the buyer (the order's email) unless given.
    """
    # get_or_create inserts in a savepoint and re-reads on a unique conflict (a concurrent replay of the same change).
    email, created = OrderEmail.objects.get_or_create(
        order=order,
        kind=kind,
        reference=reference[:64],
        defaults={"to": to or order.email, "subject": subject[:300], "body": body},
    )
    if created:
        schema_name = connection.schema_name
        transaction.on_commit(lambda: send_drain(schema_name))
    return email


def send_drain(schema_name: str) -> None:
    """Ask a worker to send ``schema_name``'s pending emails now; when the broker is down the beat will."""
    from .tasks import send_order_emails

    try:
        # No publishing retries: a buyer's payment or a seller's click must not hang on a down broker. No result
        # either: asking for one subscribes to the result backend first, which retries for ~20 s.
        send_order_emails.apply_async(headers={"_schema_name": schema_name}, retry=False, ignore_result=True)
    except Exception:
        logger.warning("could not send an order email drain for %s; the beat will", schema_name, exc_info=True)


def drain_order_emails(*, limit: int = DRAIN_LIMIT) -> int:
    """Send the current store's pending order emails, one claimed row at a time; returns how many were sent."""
    sent = 0
    tried: list[int] = []
    for _ in range(limit):
        with transaction.atomic():
            email = (
                OrderEmail.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
                .exclude(pk__in=tried)
                .order_by("id")
                .first()
            )
            if email is None:
                break
            tried.append(email.pk)
            email.attempts += 1
            try:
                send_mail(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to])
            except Exception as error:
                # Any failure (SMTP down, a refused address) is kept on the row; the other rows still go out.
                logger.warning("order email %s not sent: %s", email.pk, error)
                email.last_error = str(error)[:500]
                email.save(update_fields=["attempts", "last_error"])
                continue
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "sent_at", "last_error"])
            sent += 1
    return sent


def _money(order: Order, amount: object) -> str:
    return f"{format_amount(amount, currency=order.currency)} {order.currency}"  # type: ignore[arg-type]


def _order_link(order: Order) -> str:
    return f"{order.site_url}/orders/{order.token}/"


def confirmation_body(order: Order) -> str:
    lines = [f"Thank you for your order #{order.pk}.", ""]
    for line in order.lines.all():
        lines.append(f"{line.quantity} x {line.title}: {format_amount(line.line_total, currency=order.currency)}")
    lines += [
        "",
        f"Total paid: {_money(order, order.total)}",
        f"Shipping to: {order.ship_name}, {order.ship_line1}, {order.ship_city} {order.ship_postal_code}, "
        f"{order.ship_country}",
        "",
        f"See your order at any time: {_order_link(order)}",
    ]
    return "\n".join(lines)


def queue_confirmation(order: Order) -> None:
    queue_order_email(
        order=order,
        kind=OrderEmail.Kind.CONFIRMATION,
        subject=f"Order #{order.pk} confirmed",
        body=confirmation_body(order),
    )
    _queue_for_seller(
        order,
        kind=OrderEmail.Kind.SELLER_NEW_ORDER,
        subject=f"New order #{order.pk}: {_money(order, order.total)}",
        body="\n".join(
            [f"{order.ship_name} ({order.email}) paid for order #{order.pk}:", ""]
            + [f"{line.quantity} x {line.title} ({line.sku})" for line in order.lines.all()]
            + [
                "",
                f"Total paid: {_money(order, order.total)}",
                "",
                f"Ship it from your dashboard: {_dashboard_link(order)}",
            ]
        ),
    )


def seller_address() -> str | None:
    """Where this store's seller hears of orders: its contact email, else its owner's (None if it has neither)."""
    from storefront.themes.selectors import store_profile
    from tenants.models import Membership, Role

    contact = store_profile().contact_email
    if contact:
        return contact
    owner = (
        Membership.objects.filter(store__schema_name=connection.schema_name, role=Role.OWNER)
        .order_by("id")
        .values_list("user__email", flat=True)
        .first()
    )
    return owner


def _dashboard_link(order: Order) -> str:
    return f"{order.site_url}/dashboard/orders/{order.pk}/"


def _queue_for_seller(order: Order, *, kind: str, subject: str, body: str, reference: str = "") -> None:
    to = seller_address()
    if to:
        queue_order_email(order=order, kind=kind, subject=subject, body=body, reference=reference, to=to)


def shipment_body(order: Order, shipment: Shipment, *, complete: bool) -> str:
    whose = "Your order" if complete else "Part of your order"
    lines = [f"{whose} #{order.pk} was sent with {shipment.carrier}, tracking number {shipment.tracking_number}."]
    link = shipment.tracking_link
    if link:
        lines.append(f"Follow it here: {link}")
    lines += ["", "In this parcel:"]
    lines += [f"{item.quantity} x {item.order_line.title}" for item in shipment.lines.select_related("order_line")]
    if not complete:
        lines += ["", "The rest of your order will follow in another parcel."]
    lines += ["", f"See your order at any time: {_order_link(order)}"]
    return "\n".join(lines)


def queue_shipment(order: Order, shipment: Shipment, *, complete: bool) -> None:
    """One email per shipment (the reference is its id), with the tracking link and what it holds."""
    queue_order_email(
        order=order,
        kind=OrderEmail.Kind.SHIPPED,
        reference=str(shipment.pk),
        subject=f"Order #{order.pk} is on its way",
        body=shipment_body(order, shipment, complete=complete),
    )


def queue_refunded(order: Order, refund: Refund) -> None:
    queue_order_email(
        order=order,
        kind=OrderEmail.Kind.REFUNDED,
        reference=refund.stripe_refund_id,
        subject=f"Refund for order #{order.pk}",
        body=f"We refunded {_money(order, refund.amount)} for your order #{order.pk}. It goes back to the card "
        f"you paid with and may take a few days to show.\n\n{_order_link(order)}",
    )


def queue_cancelled(order: Order, *, refunded: object) -> None:
    money = f"\n\nWe refunded {_money(order, refunded)} to the card you paid with." if refunded else ""
    queue_order_email(
        order=order,
        kind=OrderEmail.Kind.CANCELLED,
        subject=f"Order #{order.pk} cancelled",
        body=f"The store cancelled your order #{order.pk}.{money}\n\n{_order_link(order)}",
    )


def queue_delivered(order: Order) -> None:
    """Everything arrived: say so, and invite a review (buyers review from their order page, once per product)."""
    queue_order_email(
        order=order,
        kind=OrderEmail.Kind.DELIVERED,
        subject=f"Order #{order.pk} delivered",
        body=f"Everything in your order #{order.pk} has arrived.\n\n"
        f"How was it? You can review each item on your order page, and ask for a return there if something "
        f"isn't right:\n{_order_link(order)}",
    )


def _return_items(return_request: ReturnRequest) -> str:
    return "\n".join(f"{item.quantity} x {item.order_line.title}" for item in return_request.lines.all())


def queue_return_requested(order: Order, return_request: ReturnRequest) -> None:
    queue_order_email(
        order=order,
        kind=OrderEmail.Kind.RETURN_REQUESTED,
        reference=str(return_request.pk),
        subject=f"Return request for order #{order.pk} received",
        body=f"We received your request to return:\n{_return_items(return_request)}\n\n"
        f"The store will answer it soon.\n\n{_order_link(order)}",
    )
    _queue_for_seller(
        order,
        kind=OrderEmail.Kind.SELLER_RETURN_REQUESTED,
        reference=str(return_request.pk),
        subject=f"Return requested for order #{order.pk}",
        body=f"{order.email} asks to return:\n{_return_items(return_request)}\n\n"
        f"Reason: {return_request.reason}\n\nAccept or refuse it: {_dashboard_link(order)}#returns",
    )


def queue_return_decided(order: Order, return_request: ReturnRequest) -> None:
    accepted = return_request.status == ReturnRequest.Status.ACCEPTED
    if accepted:
        answer = "The store accepted your return of:"
        if return_request.refund is not None:
            money = f"We refunded {_money(order, return_request.refund.amount)} to the card you paid with."
        else:
            money = "No refund was made through the store for it."
    else:
        answer = "The store refused your return of:"
        money = f"Their note: {return_request.seller_note}"
    queue_order_email(
        order=order,
        kind=OrderEmail.Kind.RETURN_ACCEPTED if accepted else OrderEmail.Kind.RETURN_REFUSED,
        reference=str(return_request.pk),
        subject=f"Your return for order #{order.pk} was {'accepted' if accepted else 'refused'}",
        body=f"{answer}\n{_return_items(return_request)}\n\n{money}\n\n{_order_link(order)}",
    )
