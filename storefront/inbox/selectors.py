"""Reads of the seller's inbox: newest first, and one message by id."""

from django.db.models import QuerySet

from .models import ContactMessage


def messages(*, unhandled_only: bool = False) -> QuerySet[ContactMessage]:
    found = ContactMessage.objects.all()
    return found.filter(handled_at__isnull=True) if unhandled_only else found


def message_by_id(message_id: str) -> ContactMessage | None:
    return ContactMessage.objects.filter(pk=int(message_id)).first() if message_id.isdigit() else None
