"""Emails sent in a store's name: the store's name as the sender, the platform's own address, replies to the store."""

import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

# Line breaks and every other control character: one of them in a header would end it and start another.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def header_text(text: str) -> str:
    """``text`` on one line, fit for a header: control characters and runs of spaces become one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def platform_address() -> str:
    """The bare address of DEFAULT_FROM_EMAIL ("no-reply@example.com"), without its display name."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def store_sender(store_name: str) -> str:
    """The From header of a store's email: its name, quoted as needed, before the platform's address."""
    # formataddr quotes a name holding quotes, commas or angle brackets, so none of them can change the address.
    return formataddr((header_text(store_name), platform_address()))


def store_subject(store_name: str, subject: str) -> str:
    """ "Acme Ceramics: order #1 confirmed"."""
    return f"{header_text(store_name)}: {header_text(subject)}"


def store_email(
    *, store_name: str, reply_to: str, to: str, subject: str, text: str, html: str = ""
) -> EmailMultiAlternatives:
    """A message from the store to one buyer, as plain text with an HTML alternative when ``html`` is given.

    ``subject`` is used as given (see ``store_subject``); ``reply_to`` is the store's contact address, or "".
    """
    message = EmailMultiAlternatives(
        subject=header_text(subject),
        body=text,
        from_email=store_sender(store_name),
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
