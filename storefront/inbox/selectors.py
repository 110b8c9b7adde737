"""Reads of the seller's inbox: newest first, and one message by id."""

from django.db.models import QuerySet

from platform.kit.ids import parse_id

from .models import ContactMessage


def messages(*, unhandled_only: bool = False) -> QuerySet[ContactMessage]:
    found = ContactMessage.objects.all()
    return found.filter(handled_at__isnull=True) if unhandled_only else found


def message_by_id(message_id: str) -> ContactMessage | None:
    pk = parse_id(message_id)
    return ContactMessage.objects.filter(pk=pk).first() if pk is not None else None
