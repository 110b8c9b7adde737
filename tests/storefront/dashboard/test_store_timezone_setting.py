"""The seller picks the store's time zone on the settings page; a bad zone is a form error and changes nothing."""

import re

from django_tenants.utils import schema_context

from storefront.themes.models import StoreProfile
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.dashboard.test_customization import SETTINGS

SAME_AS_BEFORE = {**SETTINGS, "name": "Alpha Outdoor Co.", "currency": "USD"}


def _profile(store) -> StoreProfile:
    with schema_context(store.schema_name):
        return StoreProfile.objects.get()


def test_the_select_lists_zones_by_region_with_their_offset_and_utc_first(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    page = client.get("/dashboard/settings/", HTTP_HOST=host_of(store_a)).content.decode()
    select = re.search(r'<select name="timezone".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="UTC" selected>UTC</option>', select)
    assert select.index('value="UTC"') < select.index('<optgroup label="Africa">')
    assert re.search(r'<option value="Europe/Berlin">Berlin \(UTC\+0[12]:00\)</option>', select)
    assert re.search(r'<option value="America/Argentina/Buenos_Aires">Argentina/Buenos Aires \(UTC-03:00\)', select)
    assert re.search(r'<option value="Asia/Kolkata">Kolkata \(UTC\+05:30\)</option>', select)
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == sorted(groups) and "Europe" in groups and "America" in groups
    europe = re.search(r'<optgroup label="Europe">(.*?)</optgroup>', select, re.S).group(1)
    names = re.findall(r'value="([^"]+)"', europe)
    assert names == sorted(names) and len(names) > 40
    assert 'value="US/Eastern"' not in select and 'value="localtime"' not in select  # aliases kept out of the list


def test_a_chosen_zone_is_saved_and_the_dashboard_uses_it_at_once(
    client, store_a, store_b, owner_a, django_capture_on_commit_callbacks
):
    sign_in_on(client, owner_a, store_a)
    assert "(UTC)" in client.get("/dashboard/sales/", HTTP_HOST=host_of(store_a)).content.decode()  # caches it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dashboard/settings/", {**SAME_AS_BEFORE, "timezone": "Europe/Berlin"}, HTTP_HOST=host_of(store_a)
        )
    assert response.status_code == 302
    assert _profile(store_a).timezone == "Europe/Berlin"
    assert "(Europe/Berlin)" in client.get("/dashboard/sales/", HTTP_HOST=host_of(store_a)).content.decode()
    page = client.get("/dashboard/settings/", HTTP_HOST=host_of(store_a)).content.decode()
    assert re.search(r'<option value="Europe/Berlin" selected>', page)
    assert re.search(r'id="store-time">Time in the store now: \d{4}-\d\d-\d\d \d\d:\d\d \(Europe/Berlin\)', page)
    # Store B keeps its own zone.
    assert _profile(store_b).timezone == "UTC"
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    assert "(UTC)" in client.get("/dashboard/sales/", HTTP_HOST=host_of(store_b)).content.decode()


def test_an_unknown_zone_is_a_form_error_and_nothing_is_saved(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    for bad in ("Mars/Olympus_Mons", "localtime", "x" * 300):
        response = client.post(
            "/dashboard/settings/",
            {**SAME_AS_BEFORE, "name": "Renamed while failing", "timezone": bad},
            HTTP_HOST=host_of(store_a),
        )
        assert response.status_code == 400
        assert "is not a time zone we know" in response.content.decode()
    # A NUL character is refused before the form sees it (platform/kit/request_guard.py).
    response = client.post(
        "/dashboard/settings/",
        {**SAME_AS_BEFORE, "name": "Renamed while failing", "timezone": "Europe/Berlin\x00"},
        HTTP_HOST=host_of(store_a),
    )
    assert response.status_code == 400
    assert "The field “timezone” contains a NUL character" in response.content.decode()
    profile = _profile(store_a)
    assert profile.timezone == "UTC" and profile.tagline != SETTINGS["tagline"]
    store_a.refresh_from_db()
    assert store_a.name != "Renamed while failing"


def test_a_post_without_the_field_keeps_the_zone(client, store_a, owner_a, django_capture_on_commit_callbacks):
    sign_in_on(client, owner_a, store_a)
    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        from storefront.themes.services import update_profile

        update_profile(profile=StoreProfile.objects.get(), timezone="Asia/Tokyo")
    response = client.post("/dashboard/settings/", SAME_AS_BEFORE, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    assert _profile(store_a).timezone == "Asia/Tokyo"


def test_a_store_on_an_alias_zone_can_still_save_its_settings(
    client, store_a, owner_a, django_capture_on_commit_callbacks
):
    from storefront.themes.services import update_profile

    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        update_profile(profile=StoreProfile.objects.get(), timezone="US/Eastern")
    sign_in_on(client, owner_a, store_a)
    page = client.get("/dashboard/settings/", HTTP_HOST=host_of(store_a)).content.decode()
    assert re.search(r'<option value="US/Eastern" selected>US/Eastern \(UTC-0[45]:00\)</option>', page)
    response = client.post(
        "/dashboard/settings/", {**SAME_AS_BEFORE, "timezone": "US/Eastern"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 302
    assert _profile(store_a).timezone == "US/Eastern"


def test_a_discount_window_is_entered_in_the_store_s_zone(client, store_a, django_capture_on_commit_callbacks):
    from datetime import UTC, datetime

    from storefront.checkout.models import DiscountCode
    from storefront.themes.services import update_profile

    with schema_context(store_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        update_profile(profile=StoreProfile.objects.get(), timezone="Europe/Berlin")
    manager = make_user("manager@alpha.test")
    add_member(store_a, manager, "manager")
    sign_in_on(client, manager, store_a)
    window = {"starts_at": "2030-01-01T00:00", "ends_at": "2030-07-01T00:00"}
    code = {"code": "newyear", "kind": "percentage", "value": "10", "is_active": "on", **window}
    assert client.post("/dashboard/discounts/new/", code, HTTP_HOST=host_of(store_a)).status_code == 302
    with schema_context(store_a.schema_name):
        saved = DiscountCode.objects.get(code="NEWYEAR")
    # Berlin's midnight is 23:00 UTC in winter and 22:00 UTC in summer; the form shows it back as entered.
    assert saved.starts_at == datetime(2029, 12, 31, 23, 0, tzinfo=UTC)
    assert saved.ends_at == datetime(2030, 6, 30, 22, 0, tzinfo=UTC)
    page = client.get(f"/dashboard/discounts/{saved.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert 'value="2030-01-01T00:00"' in page
