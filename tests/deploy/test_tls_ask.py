"""The TLS proxy's on-demand "ask": a certificate only for a verified custom domain of a store open for business."""

from __future__ import annotations

import pytest
from django.conf import settings

from tenants.models import DomainClaim, Store, StoreDomain
from tests.conftest import host_of

ASK = "/internal/tls/ask"


def ask(client, domain: str, **extra):
    return client.get(ASK, {"domain": domain}, HTTP_HOST=settings.BASE_DOMAIN, **extra)


@pytest.fixture
def verified_domain(store_a) -> str:
    DomainClaim.objects.create(store=store_a, domain="shop.alpha-example.com", token="t")
    StoreDomain.objects.create(domain="shop.alpha-example.com", tenant=store_a, is_primary=False)
    return "shop.alpha-example.com"


def test_a_verified_custom_domain_of_an_active_store_gets_a_certificate(client, verified_domain):
    answer = ask(client, verified_domain)
    assert answer.status_code == 200
    # Names arrive as the browser sent them; case and a trailing dot don't make another name.
    assert ask(client, "Shop.Alpha-Example.com.").status_code == 200


def test_a_domain_the_seller_only_typed_in_gets_none(client, store_a):
    DomainClaim.objects.create(store=store_a, domain="typed.alpha-example.com", token="t")
    assert ask(client, "typed.alpha-example.com").status_code == 404


@pytest.mark.parametrize("status", [Store.Status.SUSPENDED, Store.Status.CLOSED, Store.Status.PROVISIONING])
def test_a_store_not_open_for_business_gets_none_for_its_verified_domain(client, store_a, verified_domain, status):
    Store.objects.filter(pk=store_a.pk).update(status=status)
    assert ask(client, verified_domain).status_code == 404


def test_unknown_names_and_the_platforms_own_names_get_none(client, store_a, verified_domain):
    for name in [
        "nobody.example.org", "", "x" * 300, "alpha-example.com", settings.BASE_DOMAIN, f"www.{settings.BASE_DOMAIN}",
        f"nobody.{settings.BASE_DOMAIN}", f"x.{host_of(store_a)}",
    ]:  # fmt: skip
        assert ask(client, name).status_code == 404, name


def test_a_stores_own_subdomain_gets_one_while_it_is_open(client, store_a):
    # Where the base domain can't have a wildcard certificate (localhost), store hosts are asked about too.
    assert ask(client, host_of(store_a)).status_code == 200
    Store.objects.filter(pk=store_a.pk).update(status=Store.Status.SUSPENDED)
    assert ask(client, host_of(store_a)).status_code == 404


def test_another_stores_verified_domain_is_answered_for_that_store_only_while_it_is_active(
    client, store_a, store_b, verified_domain
):
    DomainClaim.objects.create(store=store_b, domain="books.beta-example.com", token="t")
    StoreDomain.objects.create(domain="books.beta-example.com", tenant=store_b, is_primary=False)
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)
    assert ask(client, "books.beta-example.com").status_code == 404
    assert ask(client, verified_domain).status_code == 200


def test_only_the_proxy_may_ask(client, verified_domain):
    assert ask(client, verified_domain, REMOTE_ADDR="203.0.113.9").status_code == 403
    # A visitor's request relayed by the proxy comes from the proxy's address but names the visitor.
    assert ask(client, verified_domain, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403


def test_the_proxy_may_ask_the_app_server_by_its_address(client, verified_domain):
    assert client.get(ASK, {"domain": verified_domain}, HTTP_HOST="127.0.0.1:8000").status_code == 200
    # Only /internal/ answers on an address; the rest of the platform site stays on its own host.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 404


def test_a_store_host_has_no_ask_endpoint(client, store_a, verified_domain):
    assert client.get(ASK, {"domain": verified_domain}, HTTP_HOST=host_of(store_a)).status_code == 404
