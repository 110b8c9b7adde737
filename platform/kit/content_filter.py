"""What buyers may not write in a review or a message to a store: links, and words on the blocked list.

The list is deliberately short and documented (docs/storefront.md, "Anti-abuse"); it catches the spam and slurs
sellers report most, not every rude word. Matching is by whole word, case-insensitive.
"""

import re

from django.utils.translation import gettext_noop

# Whole words only, so "class" never matches "ass"; kept lower-case.
BLOCKED_WORDS: frozenset[str] = frozenset(
    {
        "viagra",
        "cialis",
        "casino",
        "bitcoin-doubler",
        "escort",
        "porn",
        "fuck",
        "cunt",
        "retard",
        "faggot",
        "nigger",
    }
)
_LINK = re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|ru|cn|xyz|top|info|biz)\b", re.IGNORECASE)
_WORD = re.compile(r"[\w-]+", re.UNICODE)

LINK_ERROR = "Links are not allowed here; describe it in words instead."
# Marked for the catalogue; a caller showing it in a page translates it before filling in the word.
WORD_ERROR = gettext_noop("Please remove the word “{word}”: it is on the store's list of blocked words.")


def has_link(text: str) -> bool:
    return _LINK.search(text) is not None


def blocked_word(text: str) -> str | None:
    """The first blocked word in ``text`` (as written), or None."""
    for match in _WORD.finditer(text):
        if match.group(0).lower() in BLOCKED_WORDS:
            return match.group(0)
    return None


def refusal(text: str, *, allow_links: bool = False) -> str | None:
    """Why ``text`` is refused (a sentence for the form), or None when it may be stored."""
    if not allow_links and has_link(text):
        return LINK_ERROR
    word = blocked_word(text)
    if word is not None:
        return WORD_ERROR.format(word=word)
    return None
