"""Viewing a store's dashboard as support: a one-time signed hand-off, audited, read-only, for that store only."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenants.models import AdminAction
from tests.conftest import host_of
from tests.console.conftest import PLATFORM_HOST, admin_url
from tests.storefront.dashboard.test_access import PROTECTED, _path


def _hand_off(admin_client, store, reason="Owner reports a broken menu") -> str:
    response = admin_client.post(
        admin_url("tenants_store_console_action", store.pk, "support-view"), {"reason": reason}, HTTP_HOST=PLATFORM_HOST
    )
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.hostname == host_of(store)
    return f"{location.path}?{location.query}"


def test_the_hand_off_is_audited_and_opens_a_read_only_dashboard_with_a_banner(admin_client, superuser, store_a):
    link = _hand_off(admin_client, store_a)
    row = AdminAction.objects.get()
    assert (row.kind, row.store_slug, row.actor_email, row.reason) == (
        "view_as_support", "alpha", "root@mercato.test", "Owner reports a broken menu",
    )  # fmt: skip
    support = Client()
    landed = support.get(link, HTTP_HOST=host_of(store_a))
    assert landed.status_code == 302 and landed["Location"] == "/dashboard/"  # the token leaves the address bar
    page = support.get("/dashboard/", HTTP_HOST=host_of(store_a))
    assert page.status_code == 200
    assert (
        "Support view: you see Alpha Outfitters's dashboard as root@mercato.test, read-only." in page.content.decode()
    )
    # Every page an owner sees, support can read.
    for path in ("/dashboard/settings/", "/dashboard/staff/", "/dashboard/billing/", "/dashboard/orders/"):
        assert support.get(path, HTTP_HOST=host_of(store_a)).status_code == 200, path
    refused = support.post("/dashboard/settings/", {"name": "Hijacked"}, HTTP_HOST=host_of(store_a))
    assert refused.status_code == 403
    store_a.refresh_from_db()
    assert store_a.name == "Alpha Outfitters"


@pytest.mark.parametrize("pattern", PROTECTED, ids=lambda p: p.name)
def test_a_support_session_is_refused_every_write(admin_client, store_a, pattern):
    support = Client()
    support.get(_hand_off(admin_client, store_a), HTTP_HOST=host_of(store_a))
    for method in ("post", "put", "patch", "delete"):
        response = getattr(support, method)(_path(pattern), HTTP_HOST=host_of(store_a))
        assert response.status_code == 403, (method, _path(pattern))


def test_the_link_works_once_and_only_on_its_own_store(admin_client, store_a, store_b):
    link = _hand_off(admin_client, store_a)
    thief = Client()
    # On store B's host the link for store A is refused, and leaves no session there.
    assert thief.get(link, HTTP_HOST=host_of(store_b)).status_code == 403
    assert thief.get("/dashboard/", HTTP_HOST=host_of(store_b)).status_code == 302
    assert Client().get(link, HTTP_HOST=host_of(store_a)).status_code == 302
    assert Client().get(link, HTTP_HOST=host_of(store_a)).status_code == 403  # already used
    forged = link[:-4] + "abcd"
    assert Client().get(forged, HTTP_HOST=host_of(store_a)).status_code == 403


def test_a_support_session_on_store_a_is_nobody_on_store_b(admin_client, store_a, store_b):
    support = Client()
    support.get(_hand_off(admin_client, store_a), HTTP_HOST=host_of(store_a))
    response = support.get("/dashboard/", HTTP_HOST=host_of(store_b))
    assert response.status_code == 302 and response["Location"].startswith("/dashboard/login/")


def test_a_support_session_ends_when_its_time_is_up(admin_client, store_a):
    support = Client()
    support.get(_hand_off(admin_client, store_a), HTTP_HOST=host_of(store_a))
    with schema_context(store_a.schema_name):
        session = support.session
        session["support_view"] = {**session["support_view"], "until": 0}
        session.save()
    response = support.get("/dashboard/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302 and response["Location"].startswith("/dashboard/login/")


def test_a_support_session_ends_when_the_admin_loses_the_permission(client, store_a):
    from tests.console.conftest import make_staff

    helper = make_staff("helpdesk@mercato.test", "tenants.view_store_as_support", "tenants.view_store")
    client.force_login(helper)
    link = _hand_off(client, store_a)
    support = Client()
    support.get(link, HTTP_HOST=host_of(store_a))
    assert support.get("/dashboard/", HTTP_HOST=host_of(store_a)).status_code == 200
    helper.user_permissions.clear()
    response = support.get("/dashboard/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302 and response["Location"].startswith("/dashboard/login/")


def test_support_needs_a_reason_and_a_closed_store_has_no_dashboard(admin_client, store_a):
    url = admin_url("tenants_store_console_action", store_a.pk, "support-view")
    assert admin_client.post(url, {"reason": ""}, HTTP_HOST=PLATFORM_HOST).status_code == 400
    store_a.status = "closed"
    store_a.save(update_fields=["status"])
    response = admin_client.post(url, {"reason": "look"}, HTTP_HOST=PLATFORM_HOST)
    assert response.status_code == 400 and "closed store has no dashboard" in response.content.decode()
    assert not AdminAction.objects.exists()


def test_support_can_open_every_dashboard_page_without_errors(admin_client, store_a):
    support = Client()
    support.get(_hand_off(admin_client, store_a), HTTP_HOST=host_of(store_a))
    for pattern in PROTECTED:
        response = support.get(_path(pattern), HTTP_HOST=host_of(store_a))
        if getattr(pattern.callback, "acts_on_get", False):
            continue  # refused even on GET: see the next test
        # Sample ids may name nothing (404), and some pages answer GET with a redirect; none may fail or refuse.
        assert response.status_code in (200, 302, 404, 405), (_path(pattern), response.status_code)


def test_support_is_refused_the_pages_that_act_on_get(admin_client, store_a):
    """Stripe's return and refresh pages sync the account or mint a new onboarding link: support can do neither."""
    acting = [pattern for pattern in PROTECTED if getattr(pattern.callback, "acts_on_get", False)]
    assert {pattern.name for pattern in acting} >= {"dashboard-payments-return", "dashboard-payments-refresh"}
    support = Client()
    support.get(_hand_off(admin_client, store_a), HTTP_HOST=host_of(store_a))
    for pattern in acting:
        response = support.get(_path(pattern), HTTP_HOST=host_of(store_a))
        assert response.status_code == 403, _path(pattern)
