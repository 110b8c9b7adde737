"""The seller's checkout pages: tax mode, shipping zones and rates, discount codes; checkout uses what they save."""

import re
from decimal import Decimal

import pytest

from storefront.checkout.models import CheckoutSettings, DiscountCode, ShippingRate, ShippingZone
from storefront.orders.models import Order
from storefront.themes.models import StoreProfile
from storefront.themes.selectors import forget_store_profile
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import add, buy, checkout_page, in_store, make_code, make_variant, review

pytestmark = pytest.mark.usefixtures("sandbox_server")


def summary(page: str) -> dict[str, str]:
    return dict(re.findall(r'<td id="summary-(\w+)">(?:<strong>)?([^<]+)', page))


def member(client, store, role: str, email: str | None = None):
    user = make_user(email or f"{role}@{store.slug}.test")
    add_member(store, user, role)
    sign_in_on(client, user, store)
    return user


def post(client, store, path: str, data: dict):
    return client.post(path, data, HTTP_HOST=host_of(store))


def get(client, store, path: str):
    return client.get(path, HTTP_HOST=host_of(store))


ZONE = {"name": "North America", "countries": "us, CA", "tax_rate": "10"}
FLAT = {"rate-name": "Standard", "rate-kind": "flat", "rate-price": "7.50"}


def create_zone_with_flat_rate(client, store) -> tuple[ShippingZone, ShippingRate]:
    created = post(client, store, "/dashboard/shipping/new/", ZONE)
    assert created.status_code == 302
    with in_store(store):
        zone = ShippingZone.objects.get()
    assert created["Location"] == f"/dashboard/shipping/{zone.pk}/"
    assert post(client, store, f"/dashboard/shipping/{zone.pk}/rates/new/", FLAT).status_code == 302
    with in_store(store):
        return zone, zone.rates.get()


# --- Shipping zones and rates ---------------------------------------------------------------------------------


def test_a_manager_sets_up_shipping_and_a_buyer_is_charged_by_it(client, store_a):
    manager = member(client, store_a, "manager")
    zone, flat = create_zone_with_flat_rate(client, store_a)
    with in_store(store_a):
        assert (zone.name, zone.countries, zone.tax_rate) == ("North America", ["US", "CA"], Decimal("10.000"))
        assert (flat.kind, flat.price, flat.max_weight_grams, flat.min_subtotal) == (
            "flat",
            Decimal("7.50"),
            None,
            None,
        )
    page = get(client, store_a, f"/dashboard/shipping/{zone.pk}/").content.decode()
    assert f'<a href="/dashboard/shipping/{zone.pk}/rates/{flat.pk}/">Standard</a>' in page
    assert "$7.50" in page
    listing = get(client, store_a, "/dashboard/shipping/").content.decode()
    assert "US, CA" in listing and "10 %" in listing
    # The buyer: 2 x $20 + $7.50 shipping + 10 % tax on $40.
    client.logout()
    with in_store(store_a):
        mug = make_variant("Mug", "20.00")
    add(client, store_a, mug, 2)
    _, key = checkout_page(client, store_a)
    response, _ = review(client, store_a, key, shipping_rate=flat.pk)
    assert summary(response.content.decode()) == {
        "subtotal": "$40.00",
        "shipping": "$7.50",
        "tax": "$4.00",
        "total": "$51.50",
    }
    assert buy(client, store_a, flat).status_code == 302
    with in_store(store_a):
        order = Order.objects.get()
        assert (order.shipping_method, order.shipping_total, order.tax_total, order.total) == (
            "Standard", Decimal("7.50"), Decimal("4.00"), Decimal("51.50")
        )  # fmt: skip
    assert manager is not None


def test_editing_a_rate_and_a_zone_changes_what_checkout_quotes(client, store_a):
    member(client, store_a, "manager")
    zone, flat = create_zone_with_flat_rate(client, store_a)
    weight = {"name": "Parcel", "kind": "weight", "price": "3.00", "min_weight_grams": "0", "max_weight_grams": "500"}
    assert post(client, store_a, f"/dashboard/shipping/{zone.pk}/rates/{flat.pk}/", weight).status_code == 302
    edited_zone = {"name": "USA", "countries": "US", "tax_rate": "8.25"}
    assert post(client, store_a, f"/dashboard/shipping/{zone.pk}/", edited_zone).status_code == 302
    free = {"rate-name": "Free", "rate-kind": "free_over", "rate-price": "99", "rate-min_subtotal": "30"}
    assert post(client, store_a, f"/dashboard/shipping/{zone.pk}/rates/new/", free).status_code == 302
    with in_store(store_a):
        flat.refresh_from_db()
        free_rate = ShippingRate.objects.get(name="Free")
        assert (flat.name, flat.kind, flat.price, flat.min_weight_grams, flat.max_weight_grams) == (
            "Parcel", "weight", Decimal("3.00"), 0, 500
        )  # fmt: skip
        # A free-above rate keeps no price: it never charges one.
        assert (free_rate.price, free_rate.min_subtotal) == (Decimal("0.00"), Decimal("30.00"))
        light = make_variant("Card", "10.00", weight=200)
    client.logout()
    add(client, store_a, light)
    _, key = checkout_page(client, store_a)
    page = review(client, store_a, key, shipping_rate=flat.pk)[0].content.decode()
    assert summary(page) == {"subtotal": "$10.00", "shipping": "$3.00", "tax": "$0.83", "total": "$13.83"}
    assert f'value="{free_rate.pk}"' not in page  # $10 is below the free-shipping threshold
    canada = review(client, store_a, key, country="CA", postal_code="K1A 0B1")[0].content.decode()
    assert "This store does not ship to that country." in canada


def test_deleting_a_rate_and_a_zone(client, store_a):
    member(client, store_a, "manager")
    zone, flat = create_zone_with_flat_rate(client, store_a)
    assert post(client, store_a, f"/dashboard/shipping/{zone.pk}/rates/{flat.pk}/delete/", {}).status_code == 302
    with in_store(store_a):
        assert not ShippingRate.objects.exists()
        ShippingRate.objects.create(zone=zone, name="Other", kind="flat", price=Decimal("1.00"))
    assert post(client, store_a, f"/dashboard/shipping/{zone.pk}/delete/", {}).status_code == 302
    with in_store(store_a):
        assert not ShippingZone.objects.exists() and not ShippingRate.objects.exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"countries": "US, XX"}, "Not ISO 3166 country codes: XX."),
        ({"countries": "USA"}, "Not ISO 3166 country codes: USA."),
        ({"countries": " , "}, "List at least one country"),
        ({"tax_rate": "101"}, "The tax rate must be between 0 and 100 percent."),
        ({"tax_rate": "-1"}, "The tax rate must be between 0 and 100 percent."),
        ({"tax_rate": "8.1234"}, "The tax rate can have at most 3 decimal places."),
        ({"tax_rate": "ten"}, "The tax rate must be a number of percent"),
        ({"tax_rate": "NaN"}, "The tax rate must be between 0 and 100 percent."),
        (
            {"tax_rate": "8e0"},
            "The tax rate must be a number of percent, e.g. 8.25, written out in full (100, not 1e2).",
        ),
        ({"tax_rate": "\u0668"}, "The tax rate must be a number of percent, e.g. 8.25, written with the digits 0-9."),
        ({"name": "   "}, "This field is required."),
    ],
)
def test_a_bad_zone_is_refused_with_a_message_and_nothing_saved(client, store_a, data, field_error):
    member(client, store_a, "manager")
    response = post(client, store_a, "/dashboard/shipping/new/", {**ZONE, **data})
    assert response.status_code == 400
    assert field_error in response.content.decode()
    with in_store(store_a):
        assert not ShippingZone.objects.exists()


def test_a_country_can_be_in_one_zone_only(client, store_a):
    member(client, store_a, "manager")
    zone, _ = create_zone_with_flat_rate(client, store_a)
    response = post(
        client, store_a, "/dashboard/shipping/new/", {"name": "Europe", "countries": "DE, ca", "tax_rate": "19"}
    )
    assert response.status_code == 400
    assert "Already in another zone: CA (North America)." in response.content.decode()
    # Saving a zone with its own countries is no overlap.
    assert post(client, store_a, f"/dashboard/shipping/{zone.pk}/", {**ZONE, "tax_rate": "5"}).status_code == 302
    with in_store(store_a):
        assert list(ShippingZone.objects.values_list("name", "tax_rate")) == [("North America", Decimal("5.000"))]


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"rate-kind": "weight", "rate-min_weight_grams": "500", "rate-max_weight_grams": "500"},
         "The maximum weight must be more than the minimum"),
        ({"rate-kind": "weight", "rate-min_weight_grams": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"rate-price": "5.001"}, "Price in USD can have at most 2 decimal places."),
        ({"rate-price": "-5"}, "Price cannot be negative."),
        ({"rate-price": ""}, "Price is required."),
        ({"rate-price": "1" + "0" * 20}, "Price must be less than"),
        ({"rate-price": "1e30"}, "Price must be a number such as 12.50, written out in full (100, not 1e2)."),
        ({"rate-price": "\u0665"}, "Price must be a number such as 12.50, written with the digits 0-9."),
        ({"rate-kind": "free_over", "rate-min_subtotal": ""}, "Free above is required."),
        ({"rate-kind": "bogus"}, "Select a valid choice."),
        ({"rate-kind": "weight", "rate-max_weight_grams": "99999999999"}, "Ensure this value is less than or equal to"),
    ],
)  # fmt: skip
def test_a_bad_rate_is_refused_with_a_message_and_nothing_saved(client, store_a, data, field_error):
    member(client, store_a, "manager")
    with in_store(store_a):
        zone = ShippingZone.objects.create(name="Home", countries=["US"])
    response = post(client, store_a, f"/dashboard/shipping/{zone.pk}/rates/new/", {**FLAT, **data})
    assert response.status_code == 400
    assert field_error in response.content.decode()
    with in_store(store_a):
        assert not ShippingRate.objects.exists()


def test_amounts_follow_the_store_currency(client, store_a):
    member(client, store_a, "manager")
    with in_store(store_a):
        StoreProfile.objects.filter(pk=1).update(currency="JPY")
        forget_store_profile()
        zone = ShippingZone.objects.create(name="Japan", countries=["JP"])
    refused = post(client, store_a, f"/dashboard/shipping/{zone.pk}/rates/new/", {**FLAT, "rate-price": "750.50"})
    assert refused.status_code == 400
    assert "Price in JPY can have no decimal places." in refused.content.decode()
    assert (
        post(client, store_a, f"/dashboard/shipping/{zone.pk}/rates/new/", {**FLAT, "rate-price": "750"}).status_code
        == 302
    )
    with in_store(store_a):
        assert ShippingRate.objects.get().price == Decimal("750")


# --- Tax mode ---------------------------------------------------------------------------------------------------


def test_the_tax_mode_switches_checkout_to_inclusive_prices(client, store_a):
    member(client, store_a, "manager")
    _, flat = create_zone_with_flat_rate(client, store_a)
    assert "My prices include tax" in get(client, store_a, "/dashboard/checkout-settings/").content.decode()
    assert post(client, store_a, "/dashboard/checkout-settings/", {"prices_include_tax": "on"}).status_code == 302
    with in_store(store_a):
        assert CheckoutSettings.objects.get(pk=1).prices_include_tax is True
        mug = make_variant("Mug", "110.00")
    client.logout()
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    page = review(client, store_a, key, shipping_rate=flat.pk)[0].content.decode()
    assert "Includes tax" in page
    assert summary(page) == {"subtotal": "$110.00", "shipping": "$7.50", "tax": "$10.00", "total": "$117.50"}
    member(client, store_a, "owner")
    assert post(client, store_a, "/dashboard/checkout-settings/", {}).status_code == 302
    with in_store(store_a):
        assert CheckoutSettings.objects.get(pk=1).prices_include_tax is False


# --- Discount codes ---------------------------------------------------------------------------------------------

CODE = {"code": "summer10", "kind": "percentage", "value": "10", "is_active": "on"}


def test_a_code_made_in_the_dashboard_is_taken_at_checkout_and_counted(client, store_a):
    member(client, store_a, "manager")
    _, flat = create_zone_with_flat_rate(client, store_a)
    created = post(client, store_a, "/dashboard/discounts/new/", {**CODE, "usage_limit": "5", "once_per_email": "on"})
    assert created.status_code == 302
    with in_store(store_a):
        code = DiscountCode.objects.get()
        assert (code.code, code.kind, code.value, code.usage_limit, code.once_per_email, code.is_active) == (
            "SUMMER10", "percentage", Decimal("10.00"), 5, True, True
        )  # fmt: skip
        mug = make_variant("Mug", "20.00")
    client.logout()
    add(client, store_a, mug, 2)
    assert buy(client, store_a, flat, discount_code="Summer10").status_code == 302
    with in_store(store_a):
        order = Order.objects.get()
        # $40 less 10 % is $36; 10 % tax on $36 is $3.60; plus $7.50 shipping.
        assert (order.discount_code, order.discount_total, order.total) == (
            "SUMMER10",
            Decimal("4.00"),
            Decimal("47.10"),
        )
    member(client, store_a, "manager", email="manager2@alpha.test")
    listing = get(client, store_a, "/dashboard/discounts/").content.decode()
    assert '<td class="times-used">1 of 5</td>' in listing
    assert "10 % off · once per email" in listing


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"value": "0"}, "The percentage must be more than 0."),
        ({"value": "100.5"}, "The percentage must be between 0 and 100 percent."),
        ({"value": "12.345"}, "The percentage can have at most 2 decimal places."),
        ({"kind": "fixed", "value": "0"}, "The amount off must be more than 0."),
        ({"kind": "fixed", "value": "2.999"}, "Amount in USD can have at most 2 decimal places."),
        ({"min_subtotal": "abc"}, "Minimum subtotal must be a number such as 12.50."),
        ({"code": "SUMMER 10"}, "Use up to 40 letters, digits, dashes or underscores"),
        ({"code": ""}, "This field is required."),
        ({"usage_limit": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"starts_at": "2030-06-02T10:00", "ends_at": "2030-06-01T10:00"}, "The end must be after the start."),
        ({"starts_at": "2030-06-02T10:00", "ends_at": "2030-06-02T10:00"}, "The end must be after the start."),
        ({"starts_at": "not a date"}, "Enter a valid date/time."),
    ],
)
def test_a_bad_code_is_refused_with_a_message_and_nothing_saved(client, store_a, data, field_error):
    member(client, store_a, "manager")
    response = post(client, store_a, "/dashboard/discounts/new/", {**CODE, **data})
    assert response.status_code == 400
    assert field_error in response.content.decode()
    with in_store(store_a):
        assert not DiscountCode.objects.exists()


def test_codes_are_unique_whatever_their_case(client, store_a):
    member(client, store_a, "manager")
    with in_store(store_a):
        other = make_code("WELCOME", "fixed", "5")
    response = post(client, store_a, "/dashboard/discounts/new/", {**CODE, "code": "welcome"})
    assert response.status_code == 400
    assert "There is already a code WELCOME." in response.content.decode()
    with in_store(store_a):
        mine = make_code("SPRING", "fixed", "5")
    renamed = post(client, store_a, f"/dashboard/discounts/{mine.pk}/", {**CODE, "code": "Welcome"})
    assert renamed.status_code == 400
    # Its own code in another case is no clash.
    assert post(client, store_a, f"/dashboard/discounts/{other.pk}/", {**CODE, "code": "welcome"}).status_code == 302
    with in_store(store_a):
        assert sorted(DiscountCode.objects.values_list("code", "kind")) == [
            ("SPRING", "fixed"), ("WELCOME", "percentage")
        ]  # fmt: skip


def test_editing_the_window_and_deactivating_a_code(client, store_a):
    member(client, store_a, "manager")
    with in_store(store_a):
        code = make_code("FALL", "fixed", "5", usage_limit=10, times_used=3)
    lower = post(client, store_a, f"/dashboard/discounts/{code.pk}/", {**CODE, "code": "FALL", "usage_limit": "2"})
    assert lower.status_code == 400
    assert "This code was already used 3 times; the limit can&#x27;t be lower." in lower.content.decode()
    window = {**CODE, "code": "FALL", "kind": "free_shipping", "value": "", "usage_limit": "3",
              "starts_at": "2030-06-01T00:00", "ends_at": "2030-07-01T00:00"}  # fmt: skip
    assert post(client, store_a, f"/dashboard/discounts/{code.pk}/", window).status_code == 302
    with in_store(store_a):
        code.refresh_from_db()
        assert (code.kind, code.value, code.usage_limit, code.times_used) == ("free_shipping", Decimal("0"), 3, 3)
        assert (code.starts_at.isoformat(), code.ends_at.isoformat()) == (
            "2030-06-01T00:00:00+00:00", "2030-07-01T00:00:00+00:00"
        )  # fmt: skip
    assert "Scheduled" in get(client, store_a, "/dashboard/discounts/").content.decode()
    assert post(client, store_a, f"/dashboard/discounts/{code.pk}/deactivate/", {}).status_code == 302
    with in_store(store_a):
        code.refresh_from_db()
        assert code.is_active is False
        assert DiscountCode.objects.count() == 1


def test_a_deactivated_code_is_refused_at_checkout(client, store_a):
    member(client, store_a, "manager")
    _, flat = create_zone_with_flat_rate(client, store_a)
    with in_store(store_a):
        code = make_code("GONE", "fixed", "5")
        mug = make_variant("Mug", "20.00")
    post(client, store_a, f"/dashboard/discounts/{code.pk}/deactivate/", {})
    client.logout()
    add(client, store_a, mug)
    _, key = checkout_page(client, store_a)
    page = review(client, store_a, key, shipping_rate=flat.pk, discount_code="gone")[0].content.decode()
    assert "This discount code is not valid." in page


# --- Roles and isolation ---------------------------------------------------------------------------------------


def test_staff_may_look_but_not_change(client, store_a):
    with in_store(store_a):
        zone = ShippingZone.objects.create(name="Home", countries=["US"], tax_rate=Decimal("5"))
        rate = ShippingRate.objects.create(zone=zone, name="Std", kind="flat", price=Decimal("4.00"))
        code = make_code("STAFFCANTSEE", "fixed", "5")
    member(client, store_a, "staff")
    for path in ("/dashboard/checkout-settings/", "/dashboard/shipping/", f"/dashboard/shipping/{zone.pk}/",
                 f"/dashboard/shipping/{zone.pk}/rates/{rate.pk}/", "/dashboard/discounts/",
                 f"/dashboard/discounts/{code.pk}/"):  # fmt: skip
        response = get(client, store_a, path)
        assert response.status_code == 200, path
        assert 'type="submit"' not in response.content.decode(), path
    attempts = [
        ("/dashboard/checkout-settings/", {"prices_include_tax": "on"}),
        ("/dashboard/shipping/new/", ZONE),
        (f"/dashboard/shipping/{zone.pk}/", {**ZONE, "tax_rate": "50"}),
        (f"/dashboard/shipping/{zone.pk}/delete/", {}),
        (f"/dashboard/shipping/{zone.pk}/rates/new/", FLAT),
        (f"/dashboard/shipping/{zone.pk}/rates/{rate.pk}/", {"name": "X", "kind": "flat", "price": "0"}),
        (f"/dashboard/shipping/{zone.pk}/rates/{rate.pk}/delete/", {}),
        ("/dashboard/discounts/new/", CODE),
        (f"/dashboard/discounts/{code.pk}/", {**CODE, "code": "CHANGED"}),
        (f"/dashboard/discounts/{code.pk}/deactivate/", {}),
    ]
    for path, data in attempts:
        assert post(client, store_a, path, data).status_code == 403, path
    with in_store(store_a):
        assert not CheckoutSettings.objects.filter(prices_include_tax=True).exists()
        assert list(ShippingZone.objects.values_list("name", "tax_rate")) == [("Home", Decimal("5.000"))]
        assert list(ShippingRate.objects.values_list("name", "price")) == [("Std", Decimal("4.00"))]
        assert list(DiscountCode.objects.values_list("code", "is_active")) == [("STAFFCANTSEE", True)]


def test_another_stores_manager_can_neither_see_nor_touch_these(client, store_a, store_b):
    with in_store(store_a):
        zone = ShippingZone.objects.create(name="Alpha zone", countries=["US"], tax_rate=Decimal("5"))
        rate = ShippingRate.objects.create(zone=zone, name="Alpha rate", kind="flat", price=Decimal("4.00"))
        code = make_code("ALPHASECRET", "fixed", "5")
    with in_store(store_b):
        own_zone = ShippingZone.objects.create(name="Beta zone", countries=["DE"])
    manager_b = member(client, store_b, "manager", email="manager@beta.test")
    # On B's own host, A's rows are not there: the ids are unknown and the lists show none of A's.
    assert "ALPHASECRET" not in get(client, store_b, "/dashboard/discounts/").content.decode()
    assert "Alpha zone" not in get(client, store_b, "/dashboard/shipping/").content.decode()
    for path in (f"/dashboard/shipping/{zone.pk}/", f"/dashboard/discounts/{code.pk}/",
                 f"/dashboard/shipping/{own_zone.pk}/rates/{rate.pk}/"):  # fmt: skip
        if path.startswith(f"/dashboard/shipping/{zone.pk}/") and zone.pk == own_zone.pk:
            continue
        assert get(client, store_b, path).status_code == 404, path
    for path, data in [
        (f"/dashboard/discounts/{code.pk}/deactivate/", {}),
        (f"/dashboard/shipping/{own_zone.pk}/rates/{rate.pk}/delete/", {}),
        (f"/dashboard/shipping/{own_zone.pk}/rates/{rate.pk}/", {"name": "X", "kind": "flat", "price": "0"}),
    ]:
        assert post(client, store_b, path, data).status_code == 404, path
    # On A's host, even signed in there, B's manager is nobody.
    sign_in_on(client, manager_b, store_a)
    assert get(client, store_a, "/dashboard/discounts/").status_code == 403
    assert post(client, store_a, f"/dashboard/discounts/{code.pk}/deactivate/", {}).status_code == 403
    assert post(client, store_a, f"/dashboard/shipping/{zone.pk}/delete/", {}).status_code == 403
    with in_store(store_a):
        assert ShippingZone.objects.filter(pk=zone.pk).exists()
        assert ShippingRate.objects.filter(pk=rate.pk, name="Alpha rate").exists()
        assert DiscountCode.objects.get(pk=code.pk).is_active is True


@pytest.mark.parametrize("bad_id", ["abc", "-1", "99999999999999999999999", "0", "\u00b2"])
def test_odd_ids_are_404_not_500(client, store_a, bad_id):
    member(client, store_a, "manager")
    for path in (f"/dashboard/shipping/{bad_id}/", f"/dashboard/discounts/{bad_id}/",
                 f"/dashboard/shipping/{bad_id}/rates/{bad_id}/"):  # fmt: skip
        assert get(client, store_a, path).status_code == 404, path
