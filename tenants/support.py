"""The signed, short-lived hand-off that opens a store's dashboard read-only for a platform admin (support)."""

import secrets

from django.core import signing
from django.core.exceptions import PermissionDenied

from platform.accounts.models import User
from platform.resilient_cache import add_or_raise

from .models import Store

SUPPORT_SALT = "mercato.console.support-view"
# The link works once, within this many seconds of the admin confirming it.
SUPPORT_TOKEN_MAX_AGE_SECONDS = 120
# How long the read-only session on the store's host lasts.
SUPPORT_SESSION_SECONDS = 30 * 60
SUPPORT_PERMISSION = "tenants.view_store_as_support"


def make_support_token(*, actor: User, store: Store, audit_id: int) -> str:
    """A token that opens ``store``'s dashboard once, read-only, for ``actor``; ``audit_id`` ties it to its row."""
    if not (actor.is_active and actor.is_staff and actor.has_perm(SUPPORT_PERMISSION)):
        raise PermissionDenied("Viewing a store as support needs the view_store_as_support permission.")
    payload = {"u": actor.pk, "s": store.pk, "a": audit_id, "n": secrets.token_urlsafe(12)}
    return signing.dumps(payload, salt=SUPPORT_SALT)


def redeem_support_token(*, token: str, store: Store) -> tuple[User, int]:
    """The admin and audit row of a genuine, fresh, unused support token for this store; else PermissionDenied."""
    try:
        data = signing.loads(token, salt=SUPPORT_SALT, max_age=SUPPORT_TOKEN_MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise PermissionDenied("This support link has expired. Open the store again from the console.") from error
    except signing.BadSignature as error:
        raise PermissionDenied("This support link is not valid.") from error
    if data.get("s") != store.pk:
        raise PermissionDenied("This support link is for another store.")
    # add is atomic in Redis: of two requests with the same link, only one gets in. Without Redis it raises (a
    # "try again" page) rather than let a link be used twice or call an unused one used.
    if not add_or_raise(f"console:support:{data['n']}", 1, SUPPORT_TOKEN_MAX_AGE_SECONDS * 2):
        raise PermissionDenied("This support link was already used. Open the store again from the console.")
    user = User.objects.filter(pk=data["u"], is_active=True, is_staff=True).first()
    if user is None or not user.has_perm(SUPPORT_PERMISSION):
        raise PermissionDenied("This account may not view stores as support.")
    return user, int(data["a"])
