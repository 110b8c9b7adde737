"""Which marketplace buyer a platform-site session belongs to, under this app's own session keys.

``django.contrib.auth`` (``request.user``) stays the sellers' and admins'; a buyer is kept beside it as an id and an
HMAC of their password hash, so a password change or reset signs out every other session of the account. The
session lives on the platform host only: a store's host never sees it, and learns of the buyer through a hand-off.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Buyer

BUYER_KEY = "marketplace_buyer_id"
HASH_KEY = "marketplace_buyer_hash"
_MEMO = "_current_marketplace_buyer"


def _password_hash_mac(buyer: Buyer) -> str:
    return salted_hmac("platform.buyers.session", buyer.password, algorithm="sha256").hexdigest()


# What apps above this one do the moment a buyer signs in, registered at start-up in their AppConfig.ready: the
# marketplace merges the cart this session filled before the sign-in into the buyer's own. This app sits below the
# marketplace and never imports it.
_sign_in_listeners: list[Callable[[HttpRequest, Buyer], object]] = []


def on_sign_in(listener: Callable[[HttpRequest, Buyer], object]) -> None:
    """Call ``listener(request, buyer)`` after every buyer sign-in (password, confirmed sign-up, password reset)."""
    if listener not in _sign_in_listeners:
        _sign_in_listeners.append(listener)


def sign_in(request: HttpRequest, buyer: Buyer) -> None:
    # A new session key, so a session id planted before sign-in (session fixation) is worthless afterwards.
    request.session.cycle_key()
    request.session[BUYER_KEY] = buyer.pk
    request.session[HASH_KEY] = _password_hash_mac(buyer)
    setattr(request, _MEMO, buyer)
    for listener in _sign_in_listeners:
        listener(request, buyer)


def refresh_password_hash(request: HttpRequest, buyer: Buyer) -> None:
    """Keep this session signed in after its own password change (the others are signed out by it)."""
    request.session.cycle_key()
    request.session[HASH_KEY] = _password_hash_mac(buyer)


def sign_out(request: HttpRequest) -> None:
    # Only the buyer's keys: a seller signed in in the same browser stays signed in.
    for key in (BUYER_KEY, HASH_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()
    setattr(request, _MEMO, None)


def current_buyer(request: HttpRequest) -> Buyer | None:
    """The signed-in buyer, or None; remembered for the rest of the request."""
    if hasattr(request, _MEMO):
        return getattr(request, _MEMO)
    buyer = None
    session = getattr(request, "session", None)
    if session is not None and BUYER_KEY in session:
        buyer_id = session.get(BUYER_KEY)
        found = Buyer.objects.filter(pk=buyer_id).first() if type(buyer_id) is int else None
        if found is not None and constant_time_compare(session.get(HASH_KEY, ""), _password_hash_mac(found)):
            buyer = found
    setattr(request, _MEMO, buyer)
    return buyer
