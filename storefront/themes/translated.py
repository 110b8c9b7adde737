"""Showing a store's own content (collections, pages, menu labels) in the page's language, falling back to its own."""

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import translation


def in_page_language[T](item: T, texts: Mapping[str, str] | None) -> T:
    """``item`` as the page's language shows it: a copy carrying ``texts`` (its translation's fields by name), or
    ``item`` itself when it has no translation into that language. A copy, because the item may be shared by every
    request of this process (the per-content-version caches) in every language."""
    if not texts:
        return item
    shown = copy.copy(item)
    for name, value in texts.items():
        setattr(shown, name, value)
    return shown


def page_language_row(rows: Iterable[Any]) -> Any | None:
    """The translation row (``.language``) among ``rows`` into the page's language, if there is one."""
    language = translation.get_language()
    return next((row for row in rows if row.language == language), None)
