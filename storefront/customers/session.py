"""Which customer a buyer's session belongs to, kept under this app's own session keys.

Buyers are not platform users, so ``django.contrib.auth.login`` (and ``request.user``) stay the platform's. The
session holds the customer's id and an HMAC of their password hash: changing or resetting the password signs out
every other session of the account. Sessions live in the store's schema, so none of this can reach another store.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac

from . import selectors
from .models import Customer

CUSTOMER_KEY = "customer_id"
HASH_KEY = "customer_hash"
_MEMO = "_current_customer"


def _password_hash_mac(customer: Customer) -> str:
    return salted_hmac("storefront.customers.session", customer.password, algorithm="sha256").hexdigest()


def sign_in(request: HttpRequest, customer: Customer) -> None:
    """Attach ``customer`` to the session under a new session key; the rest of the session (the cart) stays."""
    # A new key, so a session id planted before sign-in (session fixation) is worthless afterwards.
    request.session.cycle_key()
    request.session[CUSTOMER_KEY] = customer.pk
    request.session[HASH_KEY] = _password_hash_mac(customer)
    setattr(request, _MEMO, customer)


def refresh_password_hash(request: HttpRequest, customer: Customer) -> None:
    """Keep this session signed in after its own password change (the others are signed out by it)."""
    request.session.cycle_key()
    request.session[HASH_KEY] = _password_hash_mac(customer)


def sign_out(request: HttpRequest) -> None:
    # The whole session goes, cart included: on a shared computer the next person starts with nothing of theirs.
    request.session.flush()
    setattr(request, _MEMO, None)


def current_customer(request: HttpRequest) -> Customer | None:
    """The signed-in customer of this store, or None; remembered for the rest of the request."""
    if hasattr(request, _MEMO):
        return getattr(request, _MEMO)
    customer = None
    session = getattr(request, "session", None)
    if session is not None and CUSTOMER_KEY in session:
        found = selectors.customer_by_id(session.get(CUSTOMER_KEY))
        if found is not None and constant_time_compare(session.get(HASH_KEY, ""), _password_hash_mac(found)):
            customer = found
    setattr(request, _MEMO, customer)
    return customer


def signed_in_customer(request: HttpRequest) -> Customer:
    """The customer of a view behind ``customer_required``, which has already sent everyone else to sign in."""
    customer = current_customer(request)
    if customer is None:
        raise PermissionDenied("Sign in to your account first.")
    return customer
