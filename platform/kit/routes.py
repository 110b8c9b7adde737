"""URL patterns for a page listing things a seller keeps: the list, a new one, one of them, and actions on one."""

from collections.abc import Callable, Mapping
from typing import Any

from django.urls import URLPattern, path

View = Callable[..., Any]


def list_routes(
    prefix: str,
    key: str,
    *,
    list_view: View,
    new_view: View,
    item_view: View,
    list_name: str,
    item_name: str,
    actions: Mapping[str, View] | None = None,
) -> list[URLPattern]:
    """``<prefix>/`` (named ``list_name``), ``<prefix>/new/`` (``<item_name>-new``), ``<prefix>/<key>/``
    (``item_name``) and ``<prefix>/<key>/<action>/`` (``<item_name>-<action>``) for each of ``actions``, in that
    order, so "new" is never taken for a key."""
    return [
        path(f"{prefix}/", list_view, name=list_name),
        path(f"{prefix}/new/", new_view, name=f"{item_name}-new"),
        path(f"{prefix}/<str:{key}>/", item_view, name=item_name),
        *(
            path(f"{prefix}/<str:{key}>/{action}/", view, name=f"{item_name}-{action}")
            for action, view in (actions or {}).items()
        ),
    ]
