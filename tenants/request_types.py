"""Request types for view signatures: what the store routing middleware and the dashboard's role check add."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from platform.accounts.models import User
    from tenants.models import Membership, Store


class RoutedRequest(HttpRequest):
    """Any request once StoreRoutingMiddleware has run: ``store`` is None on the platform site's hosts."""

    store: Store | None
    # The Store on a store's host; django-tenants' stand-in for the public schema on the platform site.
    tenant: Any


class StoreRequest(RoutedRequest):
    """A request to a store's host (the store URLconf serves no other), so its store is always set."""

    store: Store
    tenant: Store


class DashboardRequest(StoreRequest):
    """A request that passed ``require_role``: a signed-in member of the store, or a platform admin as support."""

    user: User
    # The person's own membership, or for support an unsaved owner's one (support sees what an owner sees).
    membership: Membership
    # Set on a support session only (its marker: who, which store, until when); absent on a member's request.
    support_view: dict[str, Any]


class SignedInRequest(HttpRequest):
    """A request only a signed-in person reaches: a ``login_required`` view, or a console view behind admin_view."""

    user: User
