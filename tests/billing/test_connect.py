"""Stripe Connect onboarding from the owner's Payments page, through the sandbox's hosted pages and webhooks."""

import re

import pytest
import requests
from django.test import Client

from billing import connect
from billing.models import ConnectedAccount, StripeEvent
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.support import WAIT_TIMEOUT

RETURN_URL = "http://alpha.localhost/dashboard/payments/return/"
REFRESH_URL = "http://alpha.localhost/dashboard/payments/refresh/"


def signed_in(user, store) -> Client:
    browser = Client()
    sign_in_on(browser, user, store)
    return browser


def start_on_dashboard(browser: Client, store) -> str:
    """Press "Connect with Stripe"; returns the onboarding link the page redirects to."""
    response = browser.post("/dashboard/payments/connect/", HTTP_HOST=host_of(store))
    assert response.status_code == 302, response.content
    return response["Location"]


def submit_onboarding(link: str) -> requests.Response:
    """Fill in Stripe's hosted onboarding form and submit it, as the owner's browser would."""
    page = requests.get(link, timeout=WAIT_TIMEOUT, allow_redirects=False)
    assert page.status_code == 200, page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    base = re.match(r"https?://[^/]+", link).group(0)
    return requests.post(
        base + action, data={"business_url": "https://alpha.example"}, timeout=WAIT_TIMEOUT, allow_redirects=False
    )


def test_onboarding_on_the_hosted_page_then_account_updated_lets_the_store_take_charges(
    store_a, owner_a, deliverer, client
):
    browser = signed_in(owner_a, store_a)
    page = browser.get("/dashboard/payments/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Not connected" in page and "Test mode: your store takes orders" in page

    link = start_on_dashboard(browser, store_a)
    record = ConnectedAccount.objects.get(store=store_a)
    assert link.startswith(f"{deliverer.sandbox.url}/setup/")
    assert (record.charges_enabled, record.payouts_enabled, record.details_submitted) == (False, False, False)
    remote = client.v1.accounts.retrieve(record.stripe_account_id)
    assert (remote.type, remote.email) == ("express", "owner@alpha.test")
    assert remote.business_profile.name == "Alpha Outfitters"
    assert remote.metadata["mercato_store"] == str(store_a.pk)
    onboarding = requests.get(link, timeout=WAIT_TIMEOUT).text
    assert f'href="{REFRESH_URL}"' in onboarding  # "Finish later" goes back to our refresh page

    done = submit_onboarding(link)
    assert (done.status_code, done.headers["Location"]) == (303, RETURN_URL)
    record.refresh_from_db()
    assert record.charges_enabled is False  # nothing changes until Mercato hears it from Stripe

    processed = deliverer.deliver()
    assert "account.updated" in processed
    event = StripeEvent.objects.get(type="account.updated", account=record.stripe_account_id)
    assert event.status == StripeEvent.Status.PROCESSED
    record.refresh_from_db()
    assert (record.charges_enabled, record.payouts_enabled, record.details_submitted) == (True, True, True)

    page = browser.get("/dashboard/payments/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Connected to Stripe" in page and record.stripe_account_id in page
    assert "The platform keeps 5.00% of each payment (your Free plan's fee)" in page
    assert "Connect with Stripe" not in page


def test_the_same_store_keeps_one_account_across_onboarding_attempts(store_a, owner_a, client):
    browser = signed_in(owner_a, store_a)
    first, second = start_on_dashboard(browser, store_a), start_on_dashboard(browser, store_a)
    assert first != second  # a fresh link each time, for the same account
    assert ConnectedAccount.objects.filter(store=store_a).count() == 1
    assert len(client.v1.accounts.list().data) == 1
    page = browser.get("/dashboard/payments/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Stripe onboarding not finished" in page and "Continue onboarding on Stripe" in page


def test_the_return_url_asks_stripe_and_ignores_what_the_browser_sends(store_a, owner_a, client):
    browser = signed_in(owner_a, store_a)
    link = start_on_dashboard(browser, store_a)
    record = ConnectedAccount.objects.get(store=store_a)
    other = client.v1.accounts.create({"type": "express"})

    # A forged return before onboarding: the query string names another account and claims it is ready.
    forged = f"/dashboard/payments/return/?account={other.id}&charges_enabled=true&details_submitted=true"
    response = browser.get(forged, HTTP_HOST=host_of(store_a), follow=True)
    assert "finish the onboarding" in response.content.decode()
    record.refresh_from_db()
    assert record.charges_enabled is False and record.stripe_account_id != other.id

    submit_onboarding(link)
    response = browser.get("/dashboard/payments/return/", HTTP_HOST=host_of(store_a), follow=True)
    assert "Your Stripe account is connected" in response.content.decode()
    record.refresh_from_db()
    assert record.charges_enabled is True  # read from Stripe on return, before any webhook


def test_a_used_link_goes_to_the_refresh_page_which_makes_a_new_one(store_a, owner_a):
    browser = signed_in(owner_a, store_a)
    link = start_on_dashboard(browser, store_a)
    submit_onboarding(link)
    again = requests.get(link, timeout=WAIT_TIMEOUT, allow_redirects=False)
    assert (again.status_code, again.headers["Location"]) == (303, REFRESH_URL)
    refreshed = browser.get("/dashboard/payments/refresh/", HTTP_HOST=host_of(store_a))
    assert refreshed.status_code == 302 and refreshed["Location"] != link
    assert requests.get(refreshed["Location"], timeout=WAIT_TIMEOUT).status_code == 200


def test_the_refresh_page_makes_no_account_for_a_store_without_one(store_a, owner_a, client):
    browser = signed_in(owner_a, store_a)
    response = browser.get("/dashboard/payments/refresh/", HTTP_HOST=host_of(store_a))
    assert (response.status_code, response["Location"]) == (302, "/dashboard/payments/")
    assert not ConnectedAccount.objects.exists()
    assert client.v1.accounts.list().data == []


def test_account_updated_for_an_account_that_is_not_ours_is_ignored(store_a, owner_a, deliverer, client):
    browser = signed_in(owner_a, store_a)
    start_on_dashboard(browser, store_a)
    ours = ConnectedAccount.objects.get(store=store_a)
    stranger = client.v1.accounts.create({"type": "express"})
    client.v1.accounts.update(stranger.id, {"business_profile": {"name": "Somebody else"}})
    assert "account.updated" in deliverer.deliver()
    event = StripeEvent.objects.get(type="account.updated", account=stranger.id)
    assert event.status == StripeEvent.Status.PROCESSED  # handled, by doing nothing
    assert list(ConnectedAccount.objects.values_list("stripe_account_id", flat=True)) == [ours.stripe_account_id]
    ours.refresh_from_db()
    assert ours.charges_enabled is False


def test_an_unsigned_account_event_is_refused_and_stored_nowhere(store_a, deliverer):
    body = b'{"id": "evt_forged", "type": "account.updated", "data": {"object": {"id": "acct_x"}}}'
    response = deliverer.post(body, "t=1,v1=deadbeef")
    assert response.status_code == 400
    assert not StripeEvent.objects.filter(event_id="evt_forged").exists()


def test_each_store_sees_and_changes_only_its_own_account(store_a, store_b, owner_a, deliverer):
    link_a = start_on_dashboard(signed_in(owner_a, store_a), store_a)
    submit_onboarding(link_a)
    deliverer.deliver()
    account_a = ConnectedAccount.objects.get(store=store_a)
    assert account_a.charges_enabled

    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    browser_b = signed_in(owner_b, store_b)
    page_b = browser_b.get("/dashboard/payments/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "Not connected" in page_b and account_a.stripe_account_id not in page_b
    # B's return page reads B's (absent) account only, whatever it is told.
    returned = browser_b.get(
        f"/dashboard/payments/return/?account={account_a.stripe_account_id}", HTTP_HOST=host_of(store_b)
    )
    assert returned.status_code == 302
    assert not ConnectedAccount.objects.filter(store=store_b).exists()
    # B's owner holding a session on A's host is nobody there.
    on_a = signed_in(owner_b, store_a)
    assert on_a.get("/dashboard/payments/", HTTP_HOST=host_of(store_a)).status_code == 403
    assert on_a.post("/dashboard/payments/connect/", HTTP_HOST=host_of(store_a)).status_code == 403

    link_b = start_on_dashboard(browser_b, store_b)
    account_b = ConnectedAccount.objects.get(store=store_b)
    assert account_b.stripe_account_id != account_a.stripe_account_id
    assert link_b != link_a


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_only_the_owner_opens_the_payments_pages(store_a, role):
    member = make_user(f"{role}@alpha.test")
    add_member(store_a, member, role)
    browser = signed_in(member, store_a)
    for path in ("/dashboard/payments/", "/dashboard/payments/return/", "/dashboard/payments/refresh/"):
        assert browser.get(path, HTTP_HOST=host_of(store_a)).status_code == 403, path
    assert browser.post("/dashboard/payments/connect/", HTTP_HOST=host_of(store_a)).status_code == 403
    assert not ConnectedAccount.objects.exists()
    page = browser.get("/dashboard/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "/dashboard/payments/" not in page  # not in their menu either


def test_live_mode_without_a_connected_account_tells_the_owner_why_orders_are_refused(store_a, owner_a, settings):
    # A live key is only read here (is_live_mode looks at its prefix); the page makes no Stripe call.
    settings.STRIPE_SECRET_KEY = "sk_live_mercato_tests_never_sent"
    page = signed_in(owner_a, store_a).get("/dashboard/payments/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Your store can't take orders" in page
    assert "Test mode" not in page
    assert connect.checkout_refusal(schema_name=store_a.schema_name) == connect.BUYER_REFUSAL


def test_the_fee_is_rounded_half_up_in_minor_units():
    from decimal import Decimal

    assert connect.application_fee_amount(amount=11390, percent=Decimal("5")) == 570  # 569.5
    assert connect.application_fee_amount(amount=11390, percent=Decimal("0.5")) == 57  # 56.95
    assert connect.application_fee_amount(amount=11309, percent=Decimal("0.5")) == 57  # 56.545
    assert connect.application_fee_amount(amount=11290, percent=Decimal("0.5")) == 56  # 56.45
    assert connect.application_fee_amount(amount=999, percent=Decimal("0")) == 0
    assert connect.application_fee_amount(amount=1500, percent=Decimal("2")) == 30  # JPY: 1500 yen, 30 yen


def test_a_seller_disconnecting_their_account_puts_the_store_back_in_test_mode(store_a, store_b, deliverer):
    import json
    import time

    import stripe

    from billing.webhooks import process_event
    from tests.stripe_sandbox import WEBHOOK_SECRET

    ours = ConnectedAccount.objects.create(store=store_a, stripe_account_id="acct_alpha", charges_enabled=True,
                                           payouts_enabled=True, details_submitted=True)  # fmt: skip
    theirs = ConnectedAccount.objects.create(store=store_b, stripe_account_id="acct_beta", charges_enabled=True)
    body = json.dumps({
        "id": "evt_deauth_1", "object": "event", "type": "account.application.deauthorized", "account": "acct_alpha",
        "created": int(time.time()), "livemode": False, "data": {"object": {"id": "ca_platform", "object": "application"}},
    }).encode()  # fmt: skip
    at = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{at}.{body.decode()}", WEBHOOK_SECRET)
    assert deliverer.post(body, f"t={at},v1={signature}").status_code == 200
    event = StripeEvent.objects.get(event_id="evt_deauth_1")
    assert process_event(event_pk=event.pk).status == StripeEvent.Status.PROCESSED
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.charges_enabled, ours.payouts_enabled, ours.disabled_reason) == (
        False, False, "disconnected from the platform"
    )  # fmt: skip
    assert theirs.charges_enabled is True  # another store's account is untouched
    assert connect.payment_route(store=store_a, amount=1000).destination is None
