"""Each store prices its own part of the cart across stores: its shipping, its discount code, its tax; a code of one
store means nothing to another, and the order placed in each store carries exactly the part the buyer saw."""

import re
from decimal import Decimal

from django.db import connection
from django_tenants.utils import schema_context

from platform.marketplace.models import MarketplaceCheckout
from storefront.orders.models import Order
from tests.marketplace.conftest import add_from_directory, cart_form, rate_ids
from tests.storefront.checkout.support import make_code


def test_a_discount_code_prices_only_its_own_stores_part_and_reaches_only_that_stores_order(client, stores):
    north, east = stores["mkt-north"], stores["mkt-east"]
    with schema_context(east.store.schema_name):
        code = make_code("EAST250", "fixed", "2.50")
    connection.set_schema_to_public()
    try:
        assert add_from_directory(client, north).status_code == 302
        assert add_from_directory(client, east).status_code == 302
        rates = rate_ids([north, east])
        codes = {f"code_{north.store.pk}": "EAST250", f"code_{east.store.pk}": "east250"}
        page = cart_form(client, [north, east], **rates, **codes).content.decode()
        # East: 12.50 - 2.50 = 10.00, + 5.00 shipping + 10 % tax on 10.00 (1.00) = 16.00.
        # North: the code is East's, so North refuses it and keeps 20.00 + 5.00 + 2.00 = 27.00. Together 43.00.
        east_part = page.split('id="store-mkt-east"')[1].split("</section>")[0]
        north_part = page.split('id="store-mkt-north"')[1].split("</section>")[0]
        assert "\N{MINUS SIGN}$2.50" in east_part and '<td class="store-total">$16.00</td>' in east_part
        assert "\N{MINUS SIGN}$" not in north_part and '<td class="store-total">$27.00</td>' in north_part
        assert "Discount" not in north_part.split("<tfoot>")[1].split("</tfoot>")[0]
        assert '<strong id="cart-total">$43.00</strong>' in page

        key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
        totals = {f"total_{east.store.pk}": "16.00", f"total_{north.store.pk}": "27.00"}
        codes[f"code_{north.store.pk}"] = ""
        paying = cart_form(client, [north, east], action="pay", checkout_key=key, **rates, **codes, **totals)
        assert paying.status_code == 302, paying.content.decode()
        assert MarketplaceCheckout.objects.get(checkout_key=key).amount == 1600 + 2700
        with schema_context(east.store.schema_name):
            order = Order.objects.get()
            assert (order.discount_code, order.discount_total, order.total) == (
                "EAST250",
                Decimal("2.50"),
                Decimal("16.00"),
            )
        with schema_context(north.store.schema_name):
            order = Order.objects.get()
            assert (order.discount_code, order.total) == ("", Decimal("27.00"))
    finally:
        with schema_context(east.store.schema_name):
            Order.objects.all().delete()
            code.delete()
        connection.set_schema_to_public()
