"""Reading a buyer's cart."""

from django.db.models import QuerySet, Sum

from .models import Cart, CartLine


def cart_by_token(token: str | None) -> Cart | None:
    if not token:
        return None
    return Cart.objects.filter(token=token).first()


def cart_lines(cart: Cart | None) -> QuerySet[CartLine] | list[CartLine]:
    if cart is None:
        return []
    return CartLine.objects.filter(cart=cart).select_related("variant__product")


def item_count(token: str | None) -> int:
    """How many items (the sum of the quantities) the cart with ``token`` holds; 0 for no cart."""
    if not token:
        return 0
    return CartLine.objects.filter(cart__token=token).aggregate(items=Sum("quantity"))["items"] or 0
