"""Changes to a buyer's cart; each is one transaction in the current store's schema."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from platform.kit.money import format_amount
from storefront.catalog.models import Product, ProductVariant

from .models import MAX_QUANTITY, Cart, CartLine


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(_("Choose a quantity from 1 to %(most)s.") % {"most": MAX_QUANTITY}, code="quantity")


def _check_stock(variant: ProductVariant, quantity: int) -> None:
    if variant.track_inventory and not variant.continue_selling_when_out_of_stock and quantity > variant.stock:
        if variant.stock <= 0:
            raise ValidationError(
                _("%(name)s is sold out.") % {"name": f"{variant.product.title} ({variant.title})"}, code="sold_out"
            )
        raise ValidationError(
            _("Only %(stock)s of %(name)s left.")
            % {"stock": variant.stock, "name": f"{variant.product.title} ({variant.title})"},
            code="insufficient",
        )


@transaction.atomic
def add_to_cart(*, cart: Cart | None, variant_id: int, quantity: int) -> Cart:
    """Add ``quantity`` of a variant; a variant already in the cart gets its line's quantity raised."""
    _check_quantity(quantity)
    variant = (
        ProductVariant.objects.select_related("product")
        .filter(pk=variant_id, product__status=Product.Status.ACTIVE)
        .first()
    )
    if variant is None:
        raise ValidationError(_("This product is not for sale."), code="not_for_sale")
    if cart is None:
        cart = Cart.objects.create(token=secrets.token_urlsafe(32))
    # Lock the cart so two tabs adding the same variant merge into one line instead of racing on the unique key.
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    line = CartLine.objects.filter(cart=cart, variant=variant).first()
    new_quantity = quantity + (line.quantity if line else 0)
    _check_quantity(new_quantity)
    _check_stock(variant, new_quantity)
    if line is None:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity, unit_price=variant.price)
    else:
        CartLine.objects.filter(pk=line.pk).update(quantity=F("quantity") + quantity, unit_price=variant.price)
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return cart


@transaction.atomic
def set_line_quantity(*, cart: Cart, line_id: int, quantity: int) -> None:
    """Change a line's quantity; 0 removes the line. A line of another cart is not found."""
    line = CartLine.objects.select_related("variant__product").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise ValidationError(_("That item is no longer in your cart."), code="not_found")
    if quantity == 0:
        line.delete()
        return
    _check_quantity(quantity)
    _check_stock(line.variant, quantity)
    CartLine.objects.filter(pk=line.pk).update(quantity=quantity)


@transaction.atomic
def remove_line(*, cart: Cart, line_id: int) -> None:
    CartLine.objects.filter(cart=cart, pk=line_id).delete()


@transaction.atomic
def refresh_cart(*, cart: Cart, currency: str) -> list[str]:
    """Bring the cart up to date with the catalog; returns what changed, in words for the buyer.

    Prices follow the catalog; a quantity above the stock is lowered to it; an item no longer for sale goes.
    """
    changes: list[str] = []
    for line in CartLine.objects.select_for_update(of=("self",)).select_related("variant__product").filter(cart=cart):
        variant = line.variant
        name = f"{variant.product.title} ({variant.title})"
        if variant.product.status != Product.Status.ACTIVE:
            line.delete()
            changes.append(_("%(name)s is no longer for sale and was removed.") % {"name": name})
            continue
        if variant.track_inventory and not variant.continue_selling_when_out_of_stock and line.quantity > variant.stock:
            if variant.stock <= 0:
                line.delete()
                changes.append(_("%(name)s sold out and was removed.") % {"name": name})
                continue
            changes.append(
                _("Only %(stock)s of %(name)s left; your quantity was lowered from %(was)s.")
                % {"stock": variant.stock, "name": name, "was": line.quantity}
            )
            line.quantity = variant.stock
        if line.unit_price != variant.price:
            changes.append(
                _("The price of %(name)s changed from %(was)s to %(now)s.")
                % {
                    "name": name,
                    "was": format_amount(line.unit_price, currency=currency),
                    "now": format_amount(variant.price, currency=currency),
                }
            )
            line.unit_price = variant.price
        line.save(update_fields=["quantity", "unit_price"])
    return changes


@transaction.atomic
def empty_cart(*, cart: Cart) -> None:
    CartLine.objects.filter(cart=cart).delete()
