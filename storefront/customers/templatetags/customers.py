"""Template helper for the buyer's order page: the "add to my account" button, when it can work."""

from django import template
from django.http import HttpRequest

from storefront.orders.models import Order

from ..selectors import is_in_an_account
from ..services import normalise_email
from ..session import current_customer

register = template.Library()


@register.inclusion_tag("storefront/customers/claim_order.html", takes_context=True)
def claim_order_button(context: template.Context, order: Order) -> dict:
    # The order page belongs to the orders app; a tag lets it offer the button without that view knowing accounts.
    request: HttpRequest | None = context.get("request")
    customer = current_customer(request) if request is not None else None
    show = (
        customer is not None
        and normalise_email(order.email) == customer.email
        and not is_in_an_account(order)
    )  # fmt: skip
    return {"show": show, "order": order, "csrf_token": context.get("csrf_token")}
