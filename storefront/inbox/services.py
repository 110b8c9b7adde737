"""Receiving a visitor's message for the seller, and the seller marking it handled."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from platform.accounts.tasks import send_email
from platform.kit.queueing import enqueue_for_store
from storefront.themes.selectors import store_profile
from tenants.models import Membership, Role, Store

from .models import MAX_MESSAGE, ContactMessage

MAX_LINKS = 3
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_LIMITS = {"name": 100, "subject": 200, "message": MAX_MESSAGE}


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def recipients(*, store: Store) -> list[str]:
    """Who hears about a message: the store's contact email, or else every owner."""
    contact = store_profile().contact_email
    if contact:
        return [contact]
    owners = Membership.objects.filter(store=store, role=Role.OWNER).order_by("id")
    return list(owners.values_list("user__email", flat=True))


@transaction.atomic
def receive_contact_message(
    *, store: Store, name: str, email: str, subject: str, message: str, ip_address: str | None, site_url: str
) -> ContactMessage:
    """Store a visitor's message and email the seller once it is committed; ValidationError names each problem."""
    # One line each: a newline in a name or subject would end up in an email header.
    name, subject = " ".join(name.split()), " ".join(subject.split())
    email, message = email.strip(), message.strip()
    errors: dict[str, list[str]] = {}
    for field, value in (("name", name), ("subject", subject), ("message", message)):
        if not value:
            errors[field] = ["This field is required."]
        elif len(value) > _LIMITS[field]:
            errors[field] = [f"Keep it to {_LIMITS[field]:,} characters (this has {len(value):,})."]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid email address, so the seller can answer."]
    links = count_links(f"{name} {subject} {message}")
    if links > MAX_LINKS:
        errors.setdefault("message", []).append(f"Please include at most {MAX_LINKS} links (this has {links}).")
    if errors:
        raise ValidationError(errors)
    saved = ContactMessage.objects.create(
        name=name, email=email, subject=subject, message=message, ip_address=ip_address or None
    )
    body = (
        f"{name} <{email}> wrote through your store's contact form:\n\n{subject}\n\n{message}\n\n"
        f"Answer them at {email}. In your dashboard: {site_url}/dashboard/inbox/{saved.pk}/"
    )
    for to in recipients(store=store):
        enqueue_for_store(
            send_email,
            schema_name="public",
            kwargs={"to": to, "subject": f"[{store.name}] Message: {subject}"[:250], "body": body},
        )
    return saved


@transaction.atomic
def set_message_handled(*, message: ContactMessage, handled: bool, actor: str) -> ContactMessage:
    locked = ContactMessage.objects.select_for_update().get(pk=message.pk)
    if (locked.handled_at is not None) != handled:
        locked.handled_at = timezone.now() if handled else None
        locked.handled_by = actor[:254] if handled else ""
        locked.save(update_fields=["handled_at", "handled_by"])
    return locked
