"""The order email outbox: emails to the buyer are written with the change they announce and sent by a task.

``queue_order_email`` runs inside the caller's transaction, so the email exists if and only if the change
committed. After the commit a drain task is sent; if the broker is unreachable the row waits for the beat's
per-store drain (``orders.dispatch_order_email_drains``). The drain claims rows with
``SELECT ... FOR UPDATE SKIP LOCKED``, so two drains running at once never send the same row.
"""

import logging
from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from platform.kit.mail import store_email, store_subject
from platform.kit.queueing import nudge_store
from tenants.connection import connection

from .email_content import OrderMessage, money
from .models import Order, OrderEmail, Refund, ReturnRequest, Shipment

logger = logging.getLogger(__name__)

# A row that failed this many times stays in the table, visible in the admin, instead of being retried forever.
MAX_ATTEMPTS = 10
# One drain sends at most this many; the next drain (the kick of a later email, or the beat) continues.
DRAIN_LIMIT = 200


def queue_order_email(
    *,
    order: Order,
    kind: str,
    subject: str,
    body: str,
    reference: str = "",
    to: str | None = None,
    html_body: str = "",
    from_name: str = "",
    reply_to: str = "",
) -> OrderEmail:
    """Write the email to the outbox in the current transaction; a second call for the same occasion is a no-op.

    ``to`` is the buyer (the order's email) unless given. With ``from_name`` the email is sent in that store's
    name (see platform.kit.mail), else from the platform's address as it is.
    """
    # get_or_create inserts in a savepoint and re-reads on a unique conflict (a concurrent replay of the same change).
    email, created = OrderEmail.objects.get_or_create(
        order=order,
        kind=kind,
        reference=reference[:64],
        defaults={
            "to": to or order.email,
            "subject": subject[:300],
            "body": body,
            "html_body": html_body,
            "from_name": from_name[:100],
            "reply_to": reply_to,
        },
    )
    if created:
        schema_name = connection.schema_name
        transaction.on_commit(lambda: send_drain(schema_name))
    return email


EMAIL_DRAIN_TASK = "orders.send_order_emails"


def send_drain(schema_name: str) -> None:
    """Ask a worker to send ``schema_name``'s pending emails now; when the broker is down the beat will."""
    nudge_store(EMAIL_DRAIN_TASK, schema_name=schema_name, what="an order email drain")


def drain_order_emails(*, limit: int = DRAIN_LIMIT) -> int:
    """Send the current store's pending order emails, one claimed row at a time; returns how many were sent."""
    sent = 0
    tried: list[int] = []
    for _attempt in range(limit):
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
                _message(email).send()
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


def _message(email: OrderEmail) -> EmailMultiAlternatives:
    if email.from_name:
        return store_email(
            store_name=email.from_name,
            reply_to=email.reply_to,
            to=email.to,
            subject=email.subject,
            text=email.body,
            html=email.html_body,
        )
    message = EmailMultiAlternatives(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to])
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def _store_name_and_reply_to() -> tuple[str, str]:
    """The current store's name and its contact email ("" when it has none), for the emails it sends buyers."""
    from storefront.themes.selectors import store_profile
    from tenants.models import Store

    name = Store.objects.filter(schema_name=connection.schema_name).values_list("name", flat=True).first()
    return name or "", store_profile().contact_email


def _in_store_language[**P](queue: Callable[P, None]) -> Callable[P, None]:
    """Write the email in the store's default language: it is sent by a task, where no page's language is active."""

    @wraps(queue)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> None:
        from storefront.themes.selectors import store_profile

        with translation.override(store_profile().offered_languages()[0]):
            queue(*args, **kwargs)

    return wrapped


def _queue_for_buyer(order: Order, *, kind: str, subject: str, message: OrderMessage, reference: str = "") -> None:
    """An email to the buyer in the store's name: "<store>: <subject>", plain text and HTML, with the breakdown."""
    store_name, reply_to = _store_name_and_reply_to()
    # Refunds add to the total with an UPDATE ... F(): the breakdown shows what the row holds now.
    order.refresh_from_db(fields=["refunded_total"])
    text, html = message.render(order, store_name=store_name)
    queue_order_email(
        order=order,
        kind=kind,
        reference=reference,
        subject=store_subject(store_name, subject),
        body=text,
        html_body=html,
        from_name=store_name,
        reply_to=reply_to,
    )


def _ship_to(order: Order) -> str:
    region = f", {order.ship_region}" if order.ship_region else ""
    district = f", {order.ship_district}" if order.ship_district else ""
    phone = ", " + _("mobile %(phone)s") % {"phone": order.ship_phone} if order.ship_phone else ""
    address = (
        f"{order.ship_name}, {order.ship_line1}, {order.ship_city}{district}{region} "
        f"{order.ship_postal_code}, {order.ship_country}{phone}"
    )
    return _("Shipping to: %(address)s (%(method)s)") % {"address": address, "method": order.shipping_method}


@_in_store_language
def queue_confirmation(order: Order) -> None:
    _queue_for_buyer(
        order,
        kind=OrderEmail.Kind.CONFIRMATION,
        subject=_("order #%(number)s confirmed") % {"number": order.pk},
        message=OrderMessage(
            paragraphs=[_("Thank you for your order #%(number)s. Here is what you paid for:") % {"number": order.pk}],
            after=[_ship_to(order)],
        ),
    )
    _queue_for_seller(
        order,
        kind=OrderEmail.Kind.SELLER_NEW_ORDER,
        subject=_("New order #%(number)s: %(total)s") % {"number": order.pk, "total": money(order, order.total)},
        body="\n".join(
            [
                _("%(name)s (%(email)s) paid for order #%(number)s:")
                % {"name": order.ship_name, "email": order.email, "number": order.pk},
                "",
            ]
            + [f"{line.quantity} x {line.title} ({line.sku})" for line in order.lines.all()]
            + [
                "",
                _("Total paid: %(total)s") % {"total": money(order, order.total)},
                "",
                _("Ship it from your dashboard: %(link)s") % {"link": _dashboard_link(order)},
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


def shipment_paragraphs(order: Order, shipment: Shipment, *, complete: bool) -> list[str]:
    sent = {"number": order.pk, "carrier": shipment.carrier, "tracking": shipment.tracking_number}
    if complete:
        first = _("Your order #%(number)s was sent with %(carrier)s, tracking number %(tracking)s.") % sent
    else:
        first = _("Part of your order #%(number)s was sent with %(carrier)s, tracking number %(tracking)s.") % sent
    link = shipment.tracking_link
    if link:
        first += "\n" + _("Follow it here: %(link)s") % {"link": link}
    items = "\n".join(
        f"{item.quantity} x {item.order_line.title}" for item in shipment.lines.select_related("order_line")
    )
    paragraphs = [first, _("In this parcel:") + f"\n{items}"]
    if not complete:
        paragraphs.append(_("The rest of your order will follow in another parcel."))
    return paragraphs


@_in_store_language
def queue_shipment(order: Order, shipment: Shipment, *, complete: bool) -> None:
    """One email per shipment (the reference is its id), with the tracking link and what it holds."""
    _queue_for_buyer(
        order,
        kind=OrderEmail.Kind.SHIPPED,
        reference=str(shipment.pk),
        subject=_("order #%(number)s is on its way") % {"number": order.pk},
        message=OrderMessage(paragraphs=shipment_paragraphs(order, shipment, complete=complete)),
    )


@_in_store_language
def queue_refunded(order: Order, refund: Refund) -> None:
    _queue_for_buyer(
        order,
        kind=OrderEmail.Kind.REFUNDED,
        reference=refund.stripe_refund_id,
        subject=_("refund of %(amount)s for order #%(number)s")
        % {"amount": money(order, refund.amount), "number": order.pk},
        message=OrderMessage(
            paragraphs=[
                _(
                    "We refunded %(amount)s for your order #%(number)s. It goes back to the card you paid with and "
                    "may take a few days to show."
                )
                % {"amount": money(order, refund.amount), "number": order.pk}
            ]
        ),
    )


@_in_store_language
def queue_cancelled(order: Order, *, refunded: Decimal | None) -> None:
    paragraphs = [_("The store cancelled your order #%(number)s.") % {"number": order.pk}]
    if refunded:
        paragraphs.append(_("We refunded %(amount)s to the card you paid with.") % {"amount": money(order, refunded)})
    _queue_for_buyer(
        order,
        kind=OrderEmail.Kind.CANCELLED,
        subject=_("order #%(number)s cancelled") % {"number": order.pk},
        message=OrderMessage(paragraphs=paragraphs),
    )


@_in_store_language
def queue_delivered(order: Order) -> None:
    """Everything arrived: say so, and invite a review (buyers review from their order page, once per product)."""
    _queue_for_buyer(
        order,
        kind=OrderEmail.Kind.DELIVERED,
        subject=_("order #%(number)s delivered") % {"number": order.pk},
        message=OrderMessage(
            paragraphs=[
                _("Everything in your order #%(number)s has arrived.") % {"number": order.pk},
                _(
                    "How was it? You can review each item on your order page, and ask for a return there if "
                    "something isn't right."
                ),
            ],
            with_breakdown=False,
        ),
    )


def _return_items(return_request: ReturnRequest) -> str:
    return "\n".join(f"{item.quantity} x {item.order_line.title}" for item in return_request.lines.all())


@_in_store_language
def queue_return_requested(order: Order, return_request: ReturnRequest) -> None:
    _queue_for_buyer(
        order,
        kind=OrderEmail.Kind.RETURN_REQUESTED,
        reference=str(return_request.pk),
        subject=_("return request for order #%(number)s received") % {"number": order.pk},
        message=OrderMessage(
            paragraphs=[
                _("We received your request to return:") + f"\n{_return_items(return_request)}",
                _("The store will answer it soon."),
            ],
            with_breakdown=False,
        ),
    )
    _queue_for_seller(
        order,
        kind=OrderEmail.Kind.SELLER_RETURN_REQUESTED,
        reference=str(return_request.pk),
        subject=_("Return requested for order #%(number)s") % {"number": order.pk},
        body=_("%(email)s asks to return:") % {"email": order.email}
        + f"\n{_return_items(return_request)}\n\n"
        + _("Reason: %(reason)s") % {"reason": return_request.reason}
        + "\n\n"
        + _("Accept or refuse it: %(link)s") % {"link": f"{_dashboard_link(order)}#returns"},
    )


@_in_store_language
def queue_return_decided(order: Order, return_request: ReturnRequest) -> None:
    accepted = return_request.status == ReturnRequest.Status.ACCEPTED
    if accepted:
        answer = _("The store accepted your return of:")
        if return_request.refund is not None:
            outcome = _("We refunded %(amount)s to the card you paid with.") % {
                "amount": money(order, return_request.refund.amount)
            }
        else:
            outcome = _("No refund was made through the store for it.")
    else:
        answer = _("The store refused your return of:")
        outcome = _("Their note: %(note)s") % {"note": return_request.seller_note}
    _queue_for_buyer(
        order,
        kind=OrderEmail.Kind.RETURN_ACCEPTED if accepted else OrderEmail.Kind.RETURN_REFUSED,
        reference=str(return_request.pk),
        subject=(
            _("your return for order #%(number)s was accepted")
            if accepted
            else _("your return for order #%(number)s was refused")
        )
        % {"number": order.pk},
        message=OrderMessage(paragraphs=[f"{answer}\n{_return_items(return_request)}", outcome], with_breakdown=False),
    )
