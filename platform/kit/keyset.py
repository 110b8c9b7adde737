"""Keyset pages of a long list: "next" and "previous" links that carry the edge row's sort key, never an OFFSET.

A numbered page N makes PostgreSQL read and throw away the N-1 pages before it, and "page N of M" needs a
COUNT(*) of every matching row; with 100,000 orders both grow with the list. A keyset page reads only its own
rows off the index of its order, from the key of the row before it (or after it, going back), whatever its depth.

The key travels in the query string as ``after=…`` or ``before=…``: the sort columns' values as JSON in URL-safe
base64. A key that doesn't decode (edited by hand, from an older list) is no key: the first page is shown.
"""

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet


@dataclass(frozen=True)
class KeysetPage:
    """One page of rows, and the keys of the pages either side ("" when there is none to link to)."""

    rows: list[Any]
    next_key: str
    previous_key: str

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_key or self.previous_key)


def row_key(row: Any, order: Sequence[str]) -> str:
    """The key of ``row`` in ``order``: a link's ``after=`` for the rows that follow it."""
    return _encode([getattr(row, field.lstrip("-")) for field in order])


def _encode(values: list[object]) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(key: str, model: type[Model], fields: Sequence[str]) -> list[object] | None:
    """The sort values ``key`` carries, each made the field's own type, or None for anything else."""
    if not key or len(key) > 1000:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)))
        if not isinstance(raw, list) or len(raw) != len(fields):
            return None
        columns = [model._meta.get_field(name) for name in fields]
        values = [
            column.to_python(value) for column, value in zip(columns, raw, strict=True) if isinstance(column, Field)
        ]
    except (ValueError, binascii.Error, ValidationError, TypeError):
        return None
    return None if len(values) != len(fields) or any(value is None for value in values) else values


def _beyond(order: Sequence[str], values: list[object], *, forward: bool) -> Q:
    """Rows strictly after ``values`` in ``order`` (before them when not ``forward``), with the first column's
    bound stated on its own as well so PostgreSQL reads the index from there."""
    names = [field.lstrip("-") for field in order]
    strictly = Q()
    for index, field in enumerate(order):
        # A descending column read forward, or an ascending one read back, goes to smaller values.
        smaller = field.startswith("-") == forward
        step = Q(**{f"{names[index]}__{'lt' if smaller else 'gt'}": values[index]})
        same_before = Q(**{names[earlier]: values[earlier] for earlier in range(index)})
        strictly |= same_before & step
    first_smaller = order[0].startswith("-") == forward
    return Q(**{f"{names[0]}__{'lte' if first_smaller else 'gte'}": values[0]}) & strictly


def keyset_page(rows: QuerySet, *, order: Sequence[str], per_page: int, params: Mapping[str, str]) -> KeysetPage:
    """The page of ``rows`` (sorted by ``order``, whose last column must be unique, such as the id) that
    ``params["after"]`` or ``params["before"]`` points at; the first page without either."""
    model = rows.model
    names = [field.lstrip("-") for field in order]
    after = _decode(params.get("after", ""), model, names)
    before = _decode(params.get("before", ""), model, names) if after is None else None
    if before is not None:
        reverse = [field[1:] if field.startswith("-") else f"-{field}" for field in order]
        found = list(rows.filter(_beyond(order, before, forward=False)).order_by(*reverse)[: per_page + 1])
        page = found[:per_page][::-1]
        more_before, more_after = len(found) > per_page, True
    else:
        chosen = rows.filter(_beyond(order, after, forward=True)) if after is not None else rows
        found = list(chosen.order_by(*order)[: per_page + 1])
        page = found[:per_page]
        more_before, more_after = after is not None, len(found) > per_page

    return KeysetPage(
        rows=page,
        next_key=row_key(page[-1], order) if page and more_after else "",
        previous_key=row_key(page[0], order) if page and more_before else "",
    )
