"""Custom domains verified over HTTP, and closing a store."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tenants.models import DomainClaim, Store, StoreDomain
from tenants.services import VERIFICATION_PATH
from tests.conftest import STORE_A, add_member, host_of, make_user, sign_in_on


@pytest.fixture
def domain_server(settings):
    """A local web server standing in for the seller's domain; tests set what it publishes."""
    published: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = published.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.DOMAIN_VERIFICATION_RESOLVE = {"shop.alpha-example.com": "127.0.0.1"}
    settings.DOMAIN_VERIFICATION_PORT = server.server_address[1]
    yield published
    server.shutdown()


def test_a_verified_custom_domain_serves_the_store(
    client, store_a, owner_a, domain_server, django_capture_on_commit_callbacks
):
    sign_in_on(client, owner_a, store_a)
    assert (
        client.post("/dashboard/domains/", {"domain": "Shop.Alpha-Example.com"}, HTTP_HOST=host_of(store_a)).status_code
        == 302
    )
    claim = DomainClaim.objects.get(store=store_a)
    assert claim.domain == "shop.alpha-example.com"
    assert claim.token in client.get("/dashboard/domains/", HTTP_HOST=host_of(store_a)).content.decode()
    assert client.get("/", HTTP_HOST="shop.alpha-example.com").status_code == 404

    domain_server[VERIFICATION_PATH] = claim.token
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dashboard/domains/{claim.pk}/verify/", HTTP_HOST=host_of(store_a))
    claim.refresh_from_db()
    assert claim.verified_at is not None and claim.last_error == ""
    page = client.get("/", HTTP_HOST="shop.alpha-example.com")
    assert page.status_code == 200 and STORE_A["product"] in page.content.decode()


def test_a_wrong_token_does_not_verify(client, store_a, owner_a, domain_server):
    sign_in_on(client, owner_a, store_a)
    client.post("/dashboard/domains/", {"domain": "shop.alpha-example.com"}, HTTP_HOST=host_of(store_a))
    claim = DomainClaim.objects.get(store=store_a)
    domain_server[VERIFICATION_PATH] = "mercato-verify=somebody-elses-token"
    client.post(f"/dashboard/domains/{claim.pk}/verify/", HTTP_HOST=host_of(store_a))
    claim.refresh_from_db()
    assert claim.verified_at is None
    assert "doesn't contain the token shown here" in claim.last_error
    assert not StoreDomain.objects.filter(domain="shop.alpha-example.com").exists()


def test_an_unreachable_domain_gets_a_clear_error(client, store_a, owner_a, settings):
    settings.DOMAIN_VERIFICATION_RESOLVE = {"shop.alpha-example.com": "127.0.0.1"}
    settings.DOMAIN_VERIFICATION_PORT = 9  # discard port: nothing listens
    sign_in_on(client, owner_a, store_a)
    client.post("/dashboard/domains/", {"domain": "shop.alpha-example.com"}, HTTP_HOST=host_of(store_a))
    claim = DomainClaim.objects.get(store=store_a)
    client.post(f"/dashboard/domains/{claim.pk}/verify/", HTTP_HOST=host_of(store_a))
    claim.refresh_from_db()
    assert claim.last_error.startswith("We couldn't reach http://shop.alpha-example.com.")


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("https://shop.example.com", "Enter just the domain, like shop.example.com, without http://."),
        ("not a domain", "&quot;not a domain&quot; is not a domain name like shop.example.com."),
        ("beta.localhost", "That is a Mercato address; enter a domain you own."),
    ],
)
def test_bad_domains_are_refused(client, store_a, owner_a, domain, message):
    sign_in_on(client, owner_a, store_a)
    response = client.post("/dashboard/domains/", {"domain": domain}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DomainClaim.objects.exists()


def test_a_domain_of_another_store_cannot_be_claimed(client, store_a, store_b, owner_a):
    DomainClaim.objects.create(store=store_b, domain="books.example.com", token="t")
    sign_in_on(client, owner_a, store_a)
    response = client.post("/dashboard/domains/", {"domain": "books.example.com"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "books.example.com is already connected to a store." in response.content.decode()


def test_closing_needs_the_exact_name_then_stops_selling_at_once(
    client, store_a, owner_a, django_capture_on_commit_callbacks
):
    sign_in_on(client, owner_a, store_a)
    wrong = client.post("/dashboard/close/", {"confirmation": "alpha"}, HTTP_HOST=host_of(store_a))
    assert wrong.status_code == 400
    assert "Type the store&#x27;s name, &quot;Alpha Outfitters&quot;, exactly to confirm." in wrong.content.decode()
    assert Store.objects.get(pk=store_a.pk).status == Store.Status.ACTIVE

    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post("/dashboard/close/", {"confirmation": "Alpha Outfitters"}, HTTP_HOST=host_of(store_a))
    assert closed.status_code == 200 and "Alpha Outfitters is closed" in closed.content.decode()
    store = Store.objects.get(pk=store_a.pk)
    assert store.status == Store.Status.CLOSED and store.closed_at is not None
    storefront = client.get("/", HTTP_HOST=host_of(store_a))
    assert storefront.status_code == 404 and "This store has closed" in storefront.content.decode()
    from django_tenants.utils import schema_exists

    assert schema_exists(store_a.schema_name)  # the data is kept for the grace period


def test_only_the_owner_can_close(client, store_a):
    manager = make_user("manager@alpha.test")
    add_member(store_a, manager, "manager")
    sign_in_on(client, manager, store_a)
    response = client.post("/dashboard/close/", {"confirmation": "Alpha Outfitters"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 403
    assert Store.objects.get(pk=store_a.pk).status == Store.Status.ACTIVE
