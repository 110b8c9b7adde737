"""Which cart is the buyer's: the token kept in this store's session, for the cart page, checkout and sign-in."""

from django.http import HttpRequest

from . import selectors
from .models import Cart

SESSION_KEY = "cart_token"


def current_cart(request: HttpRequest) -> Cart | None:
    return selectors.cart_by_token(request.session.get(SESSION_KEY))


def remember_cart(request: HttpRequest, cart: Cart) -> None:
    request.session[SESSION_KEY] = cart.token
