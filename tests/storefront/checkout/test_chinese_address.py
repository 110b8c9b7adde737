"""Chinese shipping addresses: province, city, district, detailed address, 6-digit postal code and mobile number,
checked alike by the checkout page and the API, then shown on the order page, in emails, the API and the export;
another store never sees them."""

import json

import pytest

from storefront.orders.models import Order
from tests.conftest import host_of
from tests.storefront.checkout.support import add, buy, checkout_page, in_store, pay_on_stripe
from tests.storefront.orders.test_order_list_and_export import download, staff_of
from tests.storefront.orders.test_wallet_payments import CN_ADDRESS, place_cny_order, sell_in_cny


@pytest.fixture(autouse=True)
def _sandbox(sandbox_server):
    return sandbox_server


def test_the_checkout_page_asks_for_a_chinese_address_when_the_store_ships_to_china(client, store_a):
    teacup, _ = sell_in_cny(store_a)
    add(client, store_a, teacup)
    page = checkout_page(client, store_a)[0].content.decode()
    assert 'name="district"' in page and "District / county" in page
    assert 'name="phone"' in page and "Mobile number" in page
    assert '<option value="GD">Guangdong</option>' in page
    assert '<option value="XJ">Xinjiang</option>' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("district", "", "Enter the district or county of the address."),
        ("phone", "2345678901", "Enter a mobile number of 11 digits starting with 1"),
        ("phone", "1380013800", "Enter a mobile number of 11 digits starting with 1"),
        ("postal_code", "51062", "Enter a valid postal code for this country."),
        ("region", "", "Choose the province, autonomous region or municipality of the address."),
        ("region", "Oregon", "Choose the province, autonomous region or municipality of the address."),
        ("city", "", "This field is required."),
        ("line1", "", "This field is required."),
    ],
)
def test_a_bad_chinese_address_is_refused_on_the_page_and_nothing_is_ordered(client, store_a, field, value, message):
    teacup, rate = sell_in_cny(store_a)
    add(client, store_a, teacup)
    response = buy(client, store_a, rate, **{**CN_ADDRESS, field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    # The message sits with its own field.
    assert f'id="id_{field}_error' in page or f'aria-describedby="id_{field}_' in page
    with in_store(store_a):
        assert not Order.objects.exists()


def test_a_good_chinese_address_is_kept_and_shown_everywhere(client, store_a):
    order, _, stripe_url = place_cny_order(client, store_a)
    assert (order.ship_region, order.ship_city, order.ship_district) == ("GD", "广州市", "天河区")
    assert (order.ship_line1, order.ship_postal_code, order.ship_phone) == (
        "天河路 385 号 1201 室",
        "510620",
        "13800138000",
    )
    pay_on_stripe(stripe_url)
    page = client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Thank you! Your payment was received." in page
    assert "广州市, 天河区, GD 510620, CN · Mobile 13800138000" in page
    with in_store(store_a):
        confirmation = order.emails.get(kind="confirmation")
    assert "广州市, 天河区, GD 510620, CN, mobile 13800138000" in confirmation.body
    api = json.loads(client.get(f"/api/orders/{order.token}", HTTP_HOST=host_of(store_a)).content)
    assert {key: api["shipping_address"][key] for key in ("region", "district", "phone", "postal_code")} == {
        "region": "GD",
        "district": "天河区",
        "phone": "13800138000",
        "postal_code": "510620",
    }
    staff_of(client, store_a)
    header, row = download(client, store_a, "/dashboard/orders/export.csv")
    exported = dict(zip(header, row, strict=True))
    assert (exported["ship_district"], exported["ship_region"], exported["ship_phone"]) == (
        "天河区",
        "GD",
        "13800138000",
    )
    detail = client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "天河区" in detail and "13800138000" in detail


def test_a_province_may_be_given_by_its_chinese_name_and_a_mobile_with_86(client, store_a):
    teacup, rate = sell_in_cny(store_a)
    add(client, store_a, teacup)
    response = buy(client, store_a, rate, **{**CN_ADDRESS, "region": "广东省", "phone": "+86 138-0013-8000"})
    assert response.status_code == 302
    with in_store(store_a):
        assert Order.objects.values_list("ship_region", "ship_phone").get() == ("GD", "13800138000")


def test_other_countries_keep_their_fields_and_store_no_chinese_parts(client, store_a):
    from tests.storefront.checkout.support import make_shipping, make_variant

    with in_store(store_a):
        tent = make_variant("Tent", "99.00", stock=3)
        _, flat = make_shipping()
    add(client, store_a, tent)
    # A US address with a district and phone typed anyway: neither is asked for nor kept.
    response = buy(client, store_a, flat, district="Nowhere", phone="123")
    assert response.status_code == 302
    with in_store(store_a):
        assert Order.objects.values_list("ship_region", "ship_district", "ship_phone").get() == ("IL", "", "")


# --- The API --------------------------------------------------------------------------------------------------


def api_checkout(client, store, sku: str, rate_id: int, **address):
    body = {
        "lines": [{"sku": sku, "quantity": 1}],
        "email": "li.lei@example.cn",
        "shipping_address": {key: value for key, value in {**CN_ADDRESS, **address}.items() if key != "email"},
        "shipping_method_id": rate_id,
    }
    return client.post(
        "/api/checkout", data=json.dumps(body), content_type="application/json", HTTP_HOST=host_of(store)
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("district", "", "Enter the district or county of the address."),
        ("phone", "", "Enter a mobile number of 11 digits starting with 1"),
        ("phone", "23800138000", "Enter a mobile number of 11 digits starting with 1"),
        ("postal_code", "5106200", "Enter a valid postal code for this country."),
        ("region", "Atlantis", "Choose the province, autonomous region or municipality of the address."),
    ],
)
def test_the_api_refuses_a_bad_chinese_address_naming_the_field(client, store_a, field, value, message):
    teacup, rate = sell_in_cny(store_a)
    response = api_checkout(client, store_a, teacup.sku, rate.pk, **{field: value})
    assert response.status_code == 422, response.content
    errors = json.loads(response.content)["errors"]
    assert any(message in text for text in errors[f"shipping_address.{field}"])
    with in_store(store_a):
        assert not Order.objects.exists()


def test_the_api_takes_a_good_chinese_address(client, store_a):
    teacup, rate = sell_in_cny(store_a)
    response = api_checkout(client, store_a, teacup.sku, rate.pk)
    assert response.status_code == 201, response.content
    with in_store(store_a):
        assert Order.objects.values_list("ship_district", "ship_phone", "currency").get() == (
            "天河区",
            "13800138000",
            "CNY",
        )


# --- Isolation ------------------------------------------------------------------------------------------------


def test_store_b_cannot_see_store_a_chinese_address(client, store_a, store_b):
    order, _, _ = place_cny_order(client, store_a)
    assert client.get(f"/orders/{order.token}/", HTTP_HOST=host_of(store_b)).status_code == 404
    assert client.get(f"/api/orders/{order.token}", HTTP_HOST=host_of(store_b)).status_code == 404
    staff_of(client, store_b, role="owner")
    assert client.get(f"/dashboard/orders/{order.pk}/", HTTP_HOST=host_of(store_b)).status_code == 404
    _header, *rows = download(client, store_b, "/dashboard/orders/export.csv")
    assert rows == []
    assert "天河区" not in client.get("/dashboard/orders/", HTTP_HOST=host_of(store_b)).content.decode()
