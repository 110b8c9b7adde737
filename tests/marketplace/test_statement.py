"""The seller's statement against figures worked out by hand: transfers less reversals are the payouts."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from storefront.cart.models import Cart
from storefront.checkout.services import Address, place_order
from storefront.orders.services import mark_order_paid, record_refund
from storefront.payouts.models import OrderPayout, PayoutReversal
from storefront.payouts.selectors import monthly_statement
from storefront.payouts.services import record_payout, reversal_due
from storefront.themes.selectors import store_timezone
from tests.conftest import host_of, sign_in_on
from tests.storefront.checkout.support import make_shipping, make_variant

ADDRESS = Address(name="Sam", line1="1 Main St", city="Springfield", region="IL", postal_code="62701", country="US")


def test_the_store_keeps_the_refunded_share_of_its_transfer_only():
    # A $113.90 order whose transfer was $108.20 (fee $5.70): a $56.95 refund takes back 108.20 x 1/2 = 54.10.
    assert reversal_due(
        transferred=Decimal("108.20"), paid=Decimal("113.90"), refunded=Decimal("56.95"), places=2
    ) == Decimal("54.10")
    assert reversal_due(
        transferred=Decimal("108.20"), paid=Decimal("113.90"), refunded=Decimal("113.90"), places=2
    ) == Decimal("108.20")
    # 17.81 x 5/18.75 = 4.7493… → 4.75 (half-up at the cent)
    assert reversal_due(
        transferred=Decimal("17.81"), paid=Decimal("18.75"), refunded=Decimal("5.00"), places=2
    ) == Decimal("4.75")
    # Yen have no minor unit: 9500 x 3333/10000 = 3166.35 → 3166
    assert reversal_due(
        transferred=Decimal("9500"), paid=Decimal("10000"), refunded=Decimal("3333"), places=0
    ) == Decimal("3166")


def _paid_order(variant, rate, key: str):
    cart = Cart.objects.create(token=f"statement-{key}")
    cart.lines.create(variant=variant, quantity=1, unit_price=variant.price)
    order = place_order(cart=cart, checkout_key=key, email="sam@example.com", address=ADDRESS, rate_id=rate.pk,
                        discount_code="", currency="USD", prices_include_tax=False, site_url="http://alpha.localhost")  # fmt: skip
    mark_order_paid(order=order, payment_intent=f"pi_{key}")
    return order


def test_a_months_statement_adds_up_to_its_payouts(client, store_a, owner_a):
    with schema_context(store_a.schema_name):
        _, rate = make_shipping()  # $5.00 flat, 10 % tax on the items
        tent = make_variant("Tent", "99.00")
        mug = make_variant("Mug", "20.00")
        first = _paid_order(tent, rate, "first")  # 99.00 + 5.00 + 9.90 = 113.90
        second = _paid_order(mug, rate, "second")  # 20.00 + 5.00 + 2.00 = 27.00
        assert (first.total, second.total) == (Decimal("113.90"), Decimal("27.00"))
        november = datetime(2026, 11, 20, 12, tzinfo=UTC)
        payout = record_payout(order=first, platform_fee=Decimal("5.70"), fee_percent=Decimal("5"),
                               transferred=Decimal("108.20"), stripe_transfer_id="tr_first", transfer_group="g1",
                               when=november)  # fmt: skip
        record_payout(order=second, platform_fee=Decimal("1.35"), fee_percent=Decimal("5"),
                      transferred=Decimal("25.65"), stripe_transfer_id="tr_second", transfer_group="g2", when=november)  # fmt: skip
        # Half of the first order refunded in December; the reversal service would record 54.10 (see above).
        record_refund(
            order=first, request_key="half", stripe_refund_id="re_half", amount=Decimal("56.95"), restock=False
        )
        PayoutReversal.objects.create(payout=payout, amount=Decimal("54.10"), refunded_total=Decimal("56.95"),
                                      stripe_reversal_id="trr_half", created_at=datetime(2026, 12, 2, 9, tzinfo=UTC))  # fmt: skip

        nov = monthly_statement(month=date(2026, 11, 1), tz=UTC, currency="USD")
        assert [(row.kind, row.order_id) for row in nov.rows] == [("transfer", first.pk), ("transfer", second.pk)]
        # Paid 113.90 + 27.00 = 140.90; fees 5.70 + 1.35 = 7.05; transferred 108.20 + 25.65 = 133.85 = the payouts.
        assert (nov.paid, nov.platform_fee, nov.transferred, nov.taken_back, nov.net) == (
            Decimal("140.90"), Decimal("7.05"), Decimal("133.85"), Decimal("0"), Decimal("133.85"),
        )  # fmt: skip
        assert nov.paid - nov.platform_fee == nov.net
        dec = monthly_statement(month=date(2026, 12, 1), tz=UTC, currency="USD")
        assert [(row.kind, row.refunded, row.taken_back) for row in dec.rows] == [
            ("reversal", Decimal("56.95"), Decimal("54.10"))
        ]
        assert dec.net == Decimal("-54.10")
        # Over both months the store kept 133.85 - 54.10 = 79.75: 113.90 - 56.95 paid and kept, less the fees
        # the platform kept on the kept part (5.70 - 2.85 = 2.85) and on the mug (1.35): 83.95 - 4.20 = 79.75.
        assert nov.net + dec.net == Decimal("79.75")
        when = timezone.localtime(november, store_timezone()).strftime("%Y-%m-%d %H:%M")

    # The money view, order by order: paid, the fee and its percent, no Stripe fee reported, refunded, transferred,
    # taken back, kept (108.20 - 54.10 = 54.10), the transfer.
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    with schema_context(store_a.schema_name):
        OrderPayout.objects.filter(pk=payout.pk).update(reversed=Decimal("54.10"))  # as the reversal service does
    money_view = client.get("/dashboard/payouts/", HTTP_HOST=host).content.decode()
    assert (
        f'<tr data-order="{first.pk}"><td><a href="/dashboard/orders/{first.pk}/">#{first.pk}</a></td><td>$113.90</td>'
        "<td>$5.70 (5.00%)</td><td>—</td><td>$56.95</td><td>$108.20</td><td>$54.10</td><td>$54.10</td>"
        "<td><code>tr_first</code></td></tr>" in money_view
    )
    assert (
        "<td>$27.00</td><td>$1.35 (5.00%)</td><td>—</td><td>$0.00</td><td>$25.65</td><td>$0.00</td><td>$25.65</td>"
        in money_view
    )

    # The printable page and the CSV the seller downloads say the same figures.
    november_page = client.get("/dashboard/payouts/2026-11/", HTTP_HOST=host).content.decode()
    assert re.search(
        r'<tr id="statement-totals"><th colspan="3">Total</th><td>\$140\.90</td><td>\$7\.05</td><td>\$0\.00</td>'
        r"<td>\$133\.85</td><td>\$0\.00</td>",
        november_page,
    )
    assert 'id="statement-net">$133.85</td>' in november_page
    assert (
        'id="statement-net">-$54.10</td>' in client.get("/dashboard/payouts/2026-12/", HTTP_HOST=host).content.decode()
    )
    csv_rows = {
        month: b"".join(client.get(f"/dashboard/payouts/{month}.csv", HTTP_HOST=host).streaming_content)
        .decode()
        .splitlines()
        for month in ("2026-11", "2026-12")
    }
    assert csv_rows["2026-11"][1:] == [
        f"{when},{first.pk},transfer,113.90,5.70,0,108.20,0,tr_first",
        f"{when},{second.pk},transfer,27.00,1.35,0,25.65,0,tr_second",
        ",,total,140.90,7.05,0,133.85,0,net payout 133.85 USD",
    ]
    assert csv_rows["2026-12"][-1] == ",,total,0,0,56.95,0,54.10,net payout -54.10 USD"
