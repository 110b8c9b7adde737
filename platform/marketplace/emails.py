"""The texts of the emails the cart across stores sends its buyer: a store's share of the payment refunded."""

from decimal import Decimal

from django.utils.translation import gettext

from platform.kit.hosts import platform_url
from platform.kit.money import format_money

# Written by the worker with the checkout's language switched on (``MarketplaceCheckout.language``).


def unfilled_order_refunded(
    *, store_name: str, order_number: int, refunded: Decimal, paid: Decimal, currency: str, checkout_token: str
) -> dict[str, str]:
    return {
        "subject": gettext("Part of your order was refunded: %(store)s couldn't fill it") % {"store": store_name},
        "body": gettext(
            "%(store)s couldn't fill order #%(number)s: its items went back to stock before your payment "
            "arrived.\n\n"
            "We refunded that order's %(refunded)s of your payment of %(paid)s. Your bank shows the refund within a "
            "few days; nothing else was changed.\n\n"
            "Your other orders are paid and on their way: %(link)s"
        )
        % {
            "store": store_name,
            "number": order_number,
            "refunded": format_money(refunded, currency),
            "paid": format_money(paid, currency),
            "link": platform_url(f"/cart/checkout/{checkout_token}/"),
        },
    }
