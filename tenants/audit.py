"""The platform admins' audit log: every console or command-line action on a store is written here, once."""

from typing import Any

from platform.accounts.models import User
from tenants.models import AdminAction, Store


def record_admin_action(
    *,
    kind: str,
    store: Store | None,
    actor: User | None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    store_slug: str = "",
) -> AdminAction:
    """Add one audit row. ``actor`` None means a script (``manage.py store ...``) run by whoever ran it."""
    return AdminAction.objects.create(
        kind=kind,
        store_id=store.pk if store is not None else None,
        store_slug=store.slug if store is not None else store_slug,
        actor_id=actor.pk if actor is not None else None,
        actor_email=getattr(actor, "email", "") if actor is not None else "command line",
        reason=reason,
        before=before or {},
        after=after or {},
    )
