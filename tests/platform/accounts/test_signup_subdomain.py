"""Sign-up's subdomain: the help names the real base domain, an empty field takes the free suggestion from the
store name, and the page's script can ask for that suggestion as the seller types."""

import itertools

from django.test import override_settings

from platform.accounts.models import PendingSignup

PASSWORD = "a long and unusual passphrase"
_addresses = (f"10.2.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def _signup(client, **overrides):
    data = {"email": "potter@example.com", "password": PASSWORD, "store_name": "Acme Ceramics", "slug": ""}
    data.update(overrides)
    return client.post("/signup/", data, HTTP_HOST="localhost", REMOTE_ADDR=next(_addresses))


def test_the_help_names_the_real_base_domain_and_no_placeholder(client, db):
    page = client.get("/signup/", HTTP_HOST="localhost").content.decode()
    assert "your-subdomain.localhost" in page
    assert "{base domain}" not in page and "&lt;subdomain&gt;" not in page
    assert 'data-base-domain="localhost"' in page
    assert "/static/js/signup-subdomain.js" in page
    with override_settings(BASE_DOMAIN="shops.example", ALLOWED_HOSTS=["*"]):
        page = client.get("/signup/", HTTP_HOST="shops.example").content.decode()
    assert "your-subdomain.shops.example" in page


def test_an_empty_subdomain_takes_the_one_suggested_from_the_name(client, db):
    response = _signup(client)
    assert response.status_code == 200
    assert PendingSignup.objects.get(email="potter@example.com").slug == "acme-ceramics"


def test_an_empty_subdomain_skips_names_already_taken(client, store_a):
    response = _signup(client, store_name="Alpha", email="second@example.com")
    assert response.status_code == 200
    assert PendingSignup.objects.get(email="second@example.com").slug == "alpha-2"


def test_a_typed_subdomain_is_kept_and_still_checked(client, store_a):
    assert _signup(client, slug="my-own-pick").status_code == 200
    assert PendingSignup.objects.get().slug == "my-own-pick"
    refused = _signup(client, slug="alpha", email="third@example.com")
    assert refused.status_code == 400
    assert "The subdomain &quot;alpha&quot; is already taken." in refused.content.decode()


def test_the_suggestion_endpoint_answers_as_the_seller_types(client, store_a):
    answer = client.get("/signup/subdomain/", {"name": "Alpha"}, HTTP_HOST="localhost")
    assert answer.status_code == 200
    assert answer.json() == {"slug": "alpha-2", "host": "alpha-2.localhost"}
    assert client.get("/signup/subdomain/", {"name": "Acme Ceramics"}, HTTP_HOST="localhost").json()["slug"] == (
        "acme-ceramics"
    )


def test_the_suggestion_endpoint_refuses_an_empty_or_overlong_name_with_a_message(client, db):
    for name in ("", " ", "x" * 101):
        answer = client.get("/signup/subdomain/", {"name": name}, HTTP_HOST="localhost")
        assert answer.status_code == 400
        assert answer.json()["detail"] == "Give a store name of 1 to 100 characters."


def test_the_suggestion_endpoint_is_only_on_the_platform_site(client, store_a):
    from tests.conftest import host_of

    assert client.get("/signup/subdomain/", {"name": "x"}, HTTP_HOST=host_of(store_a)).status_code == 404
