"""Issuing, checking and revoking a store's API tokens (in the current store's schema)."""

import hashlib
import secrets
from datetime import timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "mct_"  # noqa: S105 (a marker that tells tokens apart from other secrets, not a secret)
# Recording every use would turn each read into a write; once a minute is enough to tell live tokens from dead.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class IssuedToken(NamedTuple):
    token: ApiToken
    secret: str  # the only time the full token exists outside the caller's hands: show it once, never store it


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, name: str) -> IssuedToken:
    """Make a token for the current store; only its hash is kept, so the returned secret cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": ["Name the token (1 to 100 characters), e.g. after the program using it."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name, prefix=secret[:12], digest=_digest(secret))
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
