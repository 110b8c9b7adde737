"""Sign-in lockout: wrong passwords counted per account on every host at once, and per client address.

A platform account (a seller, their staff, an admin) signs in on the platform site, on the dashboard of every store
it works for, in the console, and proves its password when it opens another store or accepts an invitation: all of
them count against one number per email, so a store's login page is no way around a lockout the platform site
started. A store's buyer account belongs to one store, so its count is per store and email; a marketplace buyer
account (platform.buyers) has a count of its own. Every wrong password also counts against the client's address,
whatever account and host it tried.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import caches
from django.http import HttpRequest

from platform.kit import ratelimit
from platform.kit.resilient_cache import CacheUnavailable

ACCOUNT_FAILURES = 10
ADDRESS_FAILURES = 30
WINDOW_SECONDS = 300
WINDOW_MINUTES = WINDOW_SECONDS // 60


class SignInLocked(Exception):
    """Too many wrong passwords lately for this account or from this address; nothing was checked."""


def platform_account(email: str) -> str:
    return "user:" + _normalised(email)


def marketplace_buyer_account(email: str) -> str:
    """A marketplace buyer account (platform.buyers): one count on the platform site, apart from sellers'."""
    return "buyer:" + _normalised(email)


def buyer_account(schema_name: str, email: str) -> str:
    return f"customer:{schema_name}:" + _normalised(email)


def attempt[T](request: HttpRequest, *, account: str, check: Callable[[], T | None]) -> T | None:
    """Run ``check`` (a password check that returns None when it fails) unless ``account`` or the request's address
    is locked out, and count a failure against both. Raises ``SignInLocked`` without running ``check``."""
    if is_locked(request, account=account):
        raise SignInLocked
    outcome = check()
    if outcome is None:
        record_failure(request, account=account)
    return outcome


def is_locked(request: HttpRequest, *, account: str) -> bool:
    account_key, address_key = _keys(request, account)
    counts = _cache().get_many([account_key, address_key])  # {} while Redis is unreachable
    # While Redis is unreachable each process counts on its own (record_failure); those counts hold meanwhile.
    failures = {key: max(counts.get(key, 0), ratelimit.local_count(key)) for key in (account_key, address_key)}
    return failures[account_key] >= ACCOUNT_FAILURES or failures[address_key] >= ADDRESS_FAILURES


def record_failure(request: HttpRequest, *, account: str) -> None:
    for key in _keys(request, account):
        try:
            # A fixed window from the first failure: add() starts it (atomic in Redis), incr() keeps its expiry.
            _cache().add(key, 0, timeout=WINDOW_SECONDS)
            try:
                _cache().incr(key)
            except ValueError:  # expired between add and incr
                _cache().add(key, 1, timeout=WINDOW_SECONDS)
        except CacheUnavailable:
            ratelimit.count_locally(key, window_seconds=WINDOW_SECONDS)


def _cache():  # type: ignore[no-untyped-def]
    # Platform-wide keys, without the current store's schema in them: one count whatever host the attempt came to.
    return caches["platform"]


def _normalised(email: str) -> str:
    # Hashed: the key's length doesn't depend on what was posted, and no address sits in Redis in the clear.
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def _keys(request: HttpRequest, account: str) -> tuple[str, str]:
    return f"signin:failures:{account}", f"signin:failures:address:{ratelimit.client_ip(request)}"
