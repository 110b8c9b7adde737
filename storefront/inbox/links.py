"""The signed link in an answer's email that lets the buyer open their conversation, on one store's host only."""

from django.core import signing
from django.utils.translation import gettext

from .models import Conversation

SALT = "storefront.inbox.conversation-link"
# Each answer's email carries a fresh link; an old email's link stops working after this.
MAX_AGE_SECONDS = 60 * 24 * 3600


class LinkRefused(Exception):
    """A link that opens nothing: ``status`` is the HTTP status to answer, ``message`` what to tell the buyer."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


NOT_VALID = "This link is not valid. Open the link in the newest email from the store, or write to them again."


def conversation_token(*, store_id: int, conversation: Conversation) -> str:
    """The token of ``conversation``'s link: signed, and naming its store, its thread and the thread's link key."""
    return signing.dumps({"s": store_id, "c": conversation.pk, "k": conversation.link_key}, salt=SALT)


def conversation_path(*, store_id: int, conversation: Conversation) -> str:
    return f"/contact/conversation/{conversation_token(store_id=store_id, conversation=conversation)}/"


def conversation_for_token(token: str, *, store_id: int) -> Conversation:
    """The conversation a genuine, fresh link for this store opens; else LinkRefused."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise LinkRefused(
            gettext("This link has expired. Open the link in the newest email from the store, or write to them again."),
            status=403,
        ) from error
    except signing.BadSignature as error:
        raise LinkRefused(NOT_VALID, status=404) from error
    if not isinstance(data, dict) or data.get("s") != store_id or not isinstance(data.get("c"), int):
        # Ids repeat from store to store: only the store named in the link may open it, on its own host.
        raise LinkRefused(NOT_VALID, status=404)
    conversation = Conversation.objects.filter(pk=data["c"]).first()
    if conversation is None or data.get("k") != conversation.link_key:
        raise LinkRefused(NOT_VALID, status=404)
    return conversation
