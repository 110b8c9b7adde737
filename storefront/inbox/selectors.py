"""Reads of the seller's inbox: conversations by latest activity, one conversation and its messages."""

from django.db.models import QuerySet

from platform.kit.ids import parse_id

from .models import ContactMessage, Conversation


def conversations(*, unhandled_only: bool = False) -> QuerySet[Conversation]:
    found = Conversation.objects.all()
    return found.filter(handled_at__isnull=True) if unhandled_only else found


def conversation_by_id(conversation_id: str) -> Conversation | None:
    pk = parse_id(conversation_id)
    return Conversation.objects.filter(pk=pk).first() if pk is not None else None


def thread(conversation: Conversation) -> QuerySet[ContactMessage]:
    """The conversation's messages, oldest first, as they are read."""
    return conversation.messages.order_by("created_at", "id")
