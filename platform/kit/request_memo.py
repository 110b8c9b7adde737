"""Values remembered for the length of one request (or one task), so hot lookups run once per request.

The store routing middleware starts a fresh memo for every request; outside a request nothing is remembered.
"""

from collections.abc import Callable
from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("mercato_request_memo", default=None)


def begin() -> None:
    _memo.set({})


def end() -> None:
    _memo.set(None)


def remember[T](key: str, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(key: str) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)
