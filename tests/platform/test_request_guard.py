"""Input that cannot be read or stored gets a 400 (or 413) saying why, on every kind of page, before any view,
form or query sees it: NUL characters anywhere in the address, the query string or a form, and request bodies
Django cannot parse. The store API's side of it is in tests/storefront/api/test_bad_input.py."""

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from tests.conftest import host_of, sign_in_on

HUGE = "314264503845334569798204391424"  # past PostgreSQL's bigint


def _host(kind: str, store) -> str:
    return settings.BASE_DOMAIN if kind == "platform" else host_of(store)


@pytest.mark.parametrize(
    ("kind", "url", "parameter"),
    [
        ("store", "/search/?q=%00", "q"),
        ("store", "/products/?tag=summer%00", "tag"),
        ("dashboard", "/dashboard/products/?q=mug%00&page=2", "q"),
        ("dashboard", "/dashboard/orders/?status=paid&q=%00", "q"),
        ("platform", "/search?q=%00", "q"),
        ("platform", "/directory/stores/?q=%00", "q"),
    ],
)
def test_a_nul_in_the_query_string_gets_a_page_that_says_so(client, store_a, owner_a, kind, url, parameter):
    sign_in_on(client, owner_a, store_a)
    response = client.get(url, HTTP_HOST=_host(kind, store_a))
    assert response.status_code == 400
    assert f"The query parameter “{parameter}” contains a NUL character" in response.content.decode()


def test_a_nul_in_the_query_string_of_a_json_address_gets_json(client, store_a):
    response = client.get("/search.json?q=%00", HTTP_HOST=settings.BASE_DOMAIN)
    assert response.status_code == 400
    message = "The query parameter “q” contains a NUL character (%00 or \\u0000), which no text here may hold."
    assert response.json() == {"detail": message, "errors": {"q": [message]}}


def test_a_nul_in_the_address_is_refused(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    response = client.get("/dashboard/orders/%00/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "The address contains a NUL character" in response.content.decode()


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_stored(client, store_a):
    from storefront.inbox.models import ContactMessage

    form = {"name": "Ada", "email": "ada@example.com", "subject": "Hello", "message": "Do you\x00 ship?"}
    response = client.post("/contact/", form, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "The field “message” contains a NUL character" in response.content.decode()
    with schema_context(store_a.schema_name):
        assert not ContactMessage.objects.filter(email="ada@example.com").exists()


def test_a_form_without_its_multipart_boundary_gets_a_page_that_says_so(client, store_a):
    response = client.generic(
        "POST", "/contact/", b"--x\r\n", content_type="multipart/form-data", HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 400
    assert "The form data could not be read" in response.content.decode()


def test_too_many_query_parameters_get_a_page_that_says_so(client, store_a):
    query = "&".join(f"f{number}=1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"/products/?{query}", HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "The request has more than 1,000 fields." in response.content.decode()


def test_a_form_past_the_size_limit_gets_413(client, store_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    form = {"name": "Ada", "email": "ada@example.com", "subject": "Hello", "message": "x" * 2000}
    response = client.post("/contact/", form, HTTP_HOST=host_of(store_a))
    assert response.status_code == 413
    assert "The request is larger than the 1,000 bytes this site accepts" in response.content.decode()


@pytest.mark.parametrize("url", ["/dashboard/products/", "/dashboard/orders/", "/dashboard/inbox/"])
def test_a_page_number_past_bigint_shows_the_last_page_of_a_dashboard_list(client, store_a, owner_a, url):
    sign_in_on(client, owner_a, store_a)
    assert client.get(f"{url}?page={HUGE}", HTTP_HOST=host_of(store_a)).status_code == 200


@pytest.mark.parametrize("url", [f"/search/?page={HUGE}", "/products/?min_price=1e999999&max_price=1e999999"])
def test_numbers_past_what_a_column_holds_are_ignored_on_the_storefront(client, store_a, url):
    assert client.get(url, HTTP_HOST=host_of(store_a)).status_code == 200
