"""Reading a buyer's cart."""

from django.db.models import QuerySet

from .models import Cart, CartLine


def cart_by_token(token: str | None) -> Cart | None:
    if not token:
        return None
    return Cart.objects.filter(token=token).first()


def cart_lines(cart: Cart | None) -> QuerySet[CartLine] | list[CartLine]:
    if cart is None:
        return []
    return CartLine.objects.filter(cart=cart).select_related("variant__product")
