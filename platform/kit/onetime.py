"""Signed links that work once, within a time limit, on one store's host: sign-in hand-offs and support views."""

import secrets
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied

from .resilient_cache import add_or_raise


@dataclass(frozen=True)
class OneTimeLink:
    """One kind of link: its signing salt, its lifetime, and how its refusals are worded to the person holding it."""

    salt: str
    max_age_seconds: int
    name: str  # "sign-in link"
    get_another: str  # "Open the store again from your account."

    def make(self, *, store_id: int, **payload: Any) -> str:
        # The nonce makes each link single-use: redeeming records it, so a replay finds it taken.
        return signing.dumps({**payload, "s": store_id, "n": secrets.token_urlsafe(12)}, salt=self.salt)

    def redeem(self, token: str, *, store_id: int) -> dict[str, Any]:
        """The payload of a genuine, fresh link for this store, used now for the first time; else PermissionDenied."""
        try:
            data = signing.loads(token, salt=self.salt, max_age=self.max_age_seconds)
        except signing.SignatureExpired as error:
            raise PermissionDenied(f"This {self.name} has expired. {self.get_another}") from error
        except signing.BadSignature as error:
            raise PermissionDenied(f"This {self.name} is not valid.") from error
        if data.get("s") != store_id:
            raise PermissionDenied(f"This {self.name} is for another store.")
        # add is atomic in Redis: of two requests with the same link, exactly one gets True. Without Redis it raises
        # (a "try again" page) rather than let a link be used twice or call an unused one used.
        if not add_or_raise(f"onetime:{self.salt}:{data['n']}", 1, self.max_age_seconds * 2):
            raise PermissionDenied(f"This {self.name} was already used. {self.get_another}")
        return data
