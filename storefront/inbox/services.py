"""Conversations with buyers: a buyer's message (contact form or emailed link), the seller's answer and its email."""

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from platform.accounts.tasks import send_email
from platform.kit import content_filter
from platform.kit.mail import store_email, store_subject
from platform.kit.queueing import enqueue_for_store
from storefront.customers.selectors import BLOCKED_MESSAGE, is_blocked
from storefront.themes.selectors import store_profile
from tenants.connection import connection
from tenants.models import Membership, Role, Store

from . import links
from .models import MAX_MESSAGE, ContactMessage, Conversation

MAX_LINKS = 3
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_LIMITS = {"name": 100, "subject": 200, "message": MAX_MESSAGE}
ANSWER_EMAIL_TASK = "inbox.email_answer"


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def recipients(*, store: Store) -> list[str]:
    """Who hears about a message: the store's contact email, or else every owner."""
    contact = store_profile().contact_email
    if contact:
        return [contact]
    owners = Membership.objects.filter(store=store, role=Role.OWNER).order_by("id")
    return list(owners.values_list("user__email", flat=True))


def _checked_text(field: str, value: str, errors: dict[str, list[str]]) -> str:
    if not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(value) > _LIMITS[field]:
        errors.setdefault(field, []).append(
            _("Keep it to %(limit)s characters (this has %(length)s).")
            % {"limit": f"{_LIMITS[field]:,}", "length": f"{len(value):,}"}
        )
    elif "\x00" in value:
        # PostgreSQL can't store it; the request guard refuses it first, this keeps the service safe on its own.
        errors.setdefault(field, []).append(_("Remove the NUL character."))
    return value


def _checked_message(message: str) -> str:
    errors: dict[str, list[str]] = {}
    text = _checked_text("message", message.strip(), errors)
    links_found = count_links(text)
    if links_found > MAX_LINKS:
        errors.setdefault("message", []).append(
            _("Please include at most %(limit)s links (this has %(count)s).")
            % {"limit": MAX_LINKS, "count": links_found}
        )
    # Messages may carry a few links (a parcel's tracking page, a photo); the blocked words never.
    word = content_filter.blocked_word(text)
    if word is not None:
        errors.setdefault("message", []).append(_(content_filter.WORD_ERROR).format(word=word))
    if errors:
        raise ValidationError(errors)
    return text


def _notify_seller(*, store: Store, conversation: Conversation, saved: ContactMessage, site_url: str) -> None:
    first = conversation.messages.count() == 1
    intro = "wrote through your store's contact form" if first else "answered in your conversation"
    body = (
        f"{saved.name or conversation.name} <{conversation.email}> {intro}:\n\n"
        f"{saved.subject or conversation.subject}\n\n{saved.message}\n\n"
        f"Read and answer it in your dashboard: {site_url}/dashboard/inbox/{conversation.pk}/"
    )
    what = "Message" if first else "Reply"
    subject = f"[{store.name}] {what}: {saved.subject or conversation.subject}"[:250]
    for to in recipients(store=store):
        enqueue_for_store(send_email, schema_name="public", kwargs={"to": to, "subject": subject, "body": body})


def _locked_conversation_for(*, email: str, name: str, subject: str) -> Conversation:
    """The buyer's conversation (any case of their address), made if it is their first message, locked."""
    # get_or_create re-reads on the unique constraint's conflict, so two first messages at once make one thread.
    conversation, _created = Conversation.objects.get_or_create(
        email__iexact=email,
        defaults={"email": email, "name": name, "subject": subject, "last_message_at": timezone.now()},
    )
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _record_buyer_message(conversation: Conversation, **fields: object) -> ContactMessage:
    saved = ContactMessage.objects.create(conversation=conversation, author=ContactMessage.Author.BUYER, **fields)
    conversation.last_message_at = conversation.last_buyer_message_at = saved.created_at
    # A new word from the buyer opens a handled thread again.
    conversation.handled_at, conversation.handled_by = None, ""
    conversation.save(update_fields=["last_message_at", "last_buyer_message_at", "handled_at", "handled_by"])
    return saved


@transaction.atomic
def receive_contact_message(
    *, store: Store, name: str, email: str, subject: str, message: str, ip_address: str | None, site_url: str
) -> ContactMessage:
    """Add a visitor's message to their conversation and email the seller once committed; ValidationError names
    each problem."""
    # One line each: a newline in a name or subject would end up in an email header.
    name, subject = " ".join(name.split()), " ".join(subject.split())
    email = email.strip()
    errors: dict[str, list[str]] = {}
    _checked_text("name", name, errors)
    _checked_text("subject", subject, errors)
    try:
        text = _checked_message(message)
    except ValidationError as error:
        errors.update(error.message_dict)
        text = ""
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address, so the seller can answer.")]
    links_found = count_links(f"{name} {subject} {text}")
    if not errors.get("message") and links_found > MAX_LINKS:
        errors["message"] = [f"Please include at most {MAX_LINKS} links (this has {links_found})."]
    if not errors and is_blocked(email):
        errors["email"] = [_(BLOCKED_MESSAGE)]
    if errors:
        raise ValidationError(errors)
    conversation = _locked_conversation_for(email=email, name=name, subject=subject)
    saved = _record_buyer_message(
        conversation, name=name, email=email, subject=subject, message=text, ip_address=ip_address or None
    )
    _notify_seller(store=store, conversation=conversation, saved=saved, site_url=site_url)
    return saved


@transaction.atomic
def reply_as_buyer(
    *, store: Store, conversation: Conversation, message: str, ip_address: str | None, site_url: str
) -> ContactMessage:
    """The buyer's answer through their link: added to the thread, marked unread, and the seller told by email."""
    text = _checked_message(message)
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if is_blocked(locked.email):
        raise ValidationError({"message": [_(BLOCKED_MESSAGE)]})
    saved = _record_buyer_message(
        locked, name=locked.name, email=locked.email, message=text, ip_address=ip_address or None
    )
    _notify_seller(store=store, conversation=locked, saved=saved, site_url=site_url)
    return saved


# Apps above the inbox that follow the seller's answers (reviews: the response time) register at start-up.
_answer_listeners: list[Callable[[ContactMessage], None]] = []


def on_seller_answer(listener: Callable[[ContactMessage], None]) -> None:
    if listener not in _answer_listeners:
        _answer_listeners.append(listener)


@transaction.atomic
def reply_as_seller(*, conversation: Conversation, message: str, actor: str, site_url: str) -> ContactMessage:
    """A seller's answer: added to the thread, and emailed to the buyer by a task once committed."""
    errors: dict[str, list[str]] = {}
    text = _checked_text("message", message.strip(), errors)
    if errors:
        raise ValidationError(errors)
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    saved = ContactMessage.objects.create(
        conversation=locked, author=ContactMessage.Author.SELLER, message=text, sent_by=actor[:254]
    )
    locked.last_message_at = locked.last_seller_message_at = locked.seller_read_at = saved.created_at
    locked.save(update_fields=["last_message_at", "last_seller_message_at", "seller_read_at"])
    enqueue_for_store(ANSWER_EMAIL_TASK, schema_name=connection.schema_name, args=(saved.pk, site_url))
    for listener in _answer_listeners:
        listener(saved)
    return saved


def email_answer(*, message_id: int, site_url: str) -> bool:
    """Email a seller's answer to the buyer with the link back to the thread; False when already sent (or gone).

    ``site_url`` is the store's scheme and host the answer was written on: the link works on that store only.
    """
    with transaction.atomic():
        answer = (
            ContactMessage.objects.select_for_update()
            .select_related("conversation")
            .filter(pk=message_id, author=ContactMessage.Author.SELLER, emailed_at__isnull=True)
            .first()
        )
        if answer is None:
            return False
        store = Store.objects.get(schema_name=connection.schema_name)
        conversation = answer.conversation
        link = site_url + links.conversation_path(store_id=store.pk, conversation=conversation)
        context = {"store_name": store.name, "answer": answer.message, "link": link, "subject": conversation.subject}
        profile = store_profile()
        # Sent by a task: written in the store's default language, like its order emails.
        with translation.override(profile.offered_languages()[0]):
            message = store_email(
                store_name=store.name,
                reply_to=profile.contact_email,
                to=conversation.email,
                subject=store_subject(store.name, _("Re: %(subject)s") % {"subject": conversation.subject}),
                text=render_to_string("emails/conversation_answer.txt", context),
                html=render_to_string("emails/conversation_answer.html", context),
            )
        message.send()
        answer.emailed_at = timezone.now()
        answer.save(update_fields=["emailed_at"])
    return True


def mark_read(*, conversation: Conversation) -> None:
    """The seller opened the thread: the buyer's messages so far are read."""
    if conversation.unread:
        conversation.seller_read_at = timezone.now()
        Conversation.objects.filter(pk=conversation.pk).update(seller_read_at=conversation.seller_read_at)


@transaction.atomic
def set_conversation_handled(*, conversation: Conversation, handled: bool, actor: str) -> Conversation:
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if (locked.handled_at is not None) != handled:
        locked.handled_at = timezone.now() if handled else None
        locked.handled_by = actor[:254] if handled else ""
        locked.save(update_fields=["handled_at", "handled_by"])
    return locked
