"""The signed, short-lived hand-off that opens a store's dashboard read-only for a platform admin (support)."""

from django.core.exceptions import PermissionDenied

from platform.accounts.models import User
from platform.kit.onetime import OneTimeLink
from tenants.models import Store

SUPPORT_SALT = "mercato.console.support-view"
# The link works once, within this many seconds of the admin confirming it.
SUPPORT_TOKEN_MAX_AGE_SECONDS = 120
# How long the read-only session on the store's host lasts.
SUPPORT_SESSION_SECONDS = 30 * 60
SUPPORT_PERMISSION = "tenants.view_store_as_support"


SUPPORT_LINK = OneTimeLink(
    salt=SUPPORT_SALT,
    max_age_seconds=SUPPORT_TOKEN_MAX_AGE_SECONDS,
    name="support link",
    get_another="Open the store again from the console.",
)


def make_support_token(*, actor: User, store: Store, audit_id: int) -> str:
    """A token that opens ``store``'s dashboard once, read-only, for ``actor``; ``audit_id`` ties it to its row."""
    if not (actor.is_active and actor.is_staff and actor.has_perm(SUPPORT_PERMISSION)):
        raise PermissionDenied("Viewing a store as support needs the view_store_as_support permission.")
    return SUPPORT_LINK.make(store_id=store.pk, u=actor.pk, a=audit_id)


def redeem_support_token(*, token: str, store: Store) -> tuple[User, int]:
    """The admin and audit row of a genuine, fresh, unused support token for this store; else PermissionDenied."""
    data = SUPPORT_LINK.redeem(token, store_id=store.pk)
    user = User.objects.filter(pk=data["u"], is_active=True, is_staff=True).first()
    if user is None or not user.has_perm(SUPPORT_PERMISSION):
        raise PermissionDenied("This account may not view stores as support.")
    return user, int(data["a"])
