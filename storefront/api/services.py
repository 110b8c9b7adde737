"""Issuing, checking and revoking a store's API tokens (in the current store's schema)."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import Membership, Role

from .models import ApiToken
from .scopes import ALL_SCOPES, grantable_scopes, ordered

TOKEN_PREFIX = "mct_"  # noqa: S105 (a marker that tells tokens apart from other secrets, not a secret)
# Recording every use would turn each read into a write; once a minute is enough to tell live tokens from dead.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class IssuedToken(NamedTuple):
    token: ApiToken
    secret: str  # the only time the full token exists outside the caller's hands: show it once, never store it


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _checked_scopes(scopes: Iterable[str] | None, created_by: Membership | None) -> list[str]:
    """The scopes to store, or ValidationError: none, an unknown one, or one the creator's role can't grant."""
    if isinstance(scopes, str):  # one scope passed bare would otherwise be read letter by letter
        scopes = [scopes]
    requested = list(ALL_SCOPES if scopes is None else scopes)
    unknown = sorted(set(requested) - set(ALL_SCOPES))
    if unknown:
        message = _("Unknown scope %(unknown)s; use %(scopes)s.") % {
            "unknown": ", ".join(unknown),
            "scopes": ", ".join(ALL_SCOPES),
        }
        raise ValidationError({"scopes": [message]})
    if not requested:
        raise ValidationError({"scopes": [_("Choose at least one scope for the token.")]})
    if created_by is not None:
        beyond_role = [scope for scope in ordered(requested) if scope not in grantable_scopes(created_by.role)]
        if beyond_role:
            role = str(Role(created_by.role).label).lower()
            message = _("As %(role)s you can't grant %(scopes)s: a token does no more than you can.")
            raise ValidationError({"scopes": [message % {"role": role, "scopes": ", ".join(beyond_role)}]})
    return ordered(requested)


@transaction.atomic
def create_api_token(
    *, name: str, scopes: Iterable[str] | None = None, created_by: Membership | None = None
) -> IssuedToken:
    """Make a token for the current store; only its hash is kept, so the returned secret cannot be shown again.

    ``scopes`` default to all of them (the command line's tokens, made by the platform's operators); a token made
    by a member (``created_by``) may carry only scopes that member's role may grant, and records their email.
    """
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Name the token (1 to 100 characters), e.g. after the program using it.")]
    try:
        checked_scopes = _checked_scopes(scopes, created_by)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        prefix=secret[:12],
        digest=_digest(secret),
        scopes=checked_scopes,
        created_by=created_by.user.email if created_by is not None else "",
    )
    return IssuedToken(token, secret)


@transaction.atomic
def revoke_api_token(*, token: ApiToken) -> ApiToken:
    """Stop a token working at once; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_api_token(*, secret: str) -> ApiToken | None:
    """The live token of the current store matching ``secret``, or None. Another store's token is unknown here."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.filter(digest=_digest(secret), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
