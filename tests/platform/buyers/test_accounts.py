"""The marketplace buyer account on the platform site: sign-up by email, sign-in, reset, addresses, deletion."""

import re

import pytest

from platform.buyers.models import Buyer, BuyerAddress, BuyerOrder, BuyerStore, FollowedStore, PendingBuyerSignup
from tests.conftest import make_user

from .support import PASSWORD, PLATFORM, emails_in, make_buyer, next_address, sign_in_buyer, tasks_named


def _sign_up(client, capture, **fields):
    data = {"email": "new@example.com", "password": PASSWORD, "name": "New Buyer", **fields}
    with capture() as callbacks:
        response = client.post("/buyer/signup/", data, HTTP_HOST=PLATFORM, REMOTE_ADDR=next_address())
    return response, emails_in(callbacks)


def test_sign_up_emails_a_link_that_makes_the_account_and_signs_in(client, db, django_capture_on_commit_callbacks):
    response, emails = _sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    assert not Buyer.objects.filter(email="new@example.com").exists()
    [email] = emails
    assert email["to"] == "new@example.com" and email["subject"] == "Confirm your Mercato account"
    path = re.search(r"http://localhost:\d+(/buyer/signup/confirm/\S+/)", email["body"]).group(1)

    assert client.get(path, HTTP_HOST=PLATFORM).status_code == 200  # a mail scanner's GET makes nothing
    assert not Buyer.objects.exists()
    confirmed = client.post(path, HTTP_HOST=PLATFORM)
    assert confirmed.status_code == 302 and confirmed["Location"] == "/buyer/"
    buyer = Buyer.objects.get(email="new@example.com")
    assert buyer.name == "New Buyer" and buyer.check_password(PASSWORD)
    page = client.get("/buyer/", HTTP_HOST=PLATFORM)
    assert page.status_code == 200 and "Signed in as new@example.com" in page.content.decode()
    assert client.post(path, HTTP_HOST=PLATFORM).status_code == 410  # used up
    assert not PendingBuyerSignup.objects.exists()


def test_sign_up_answers_the_same_for_a_registered_address_and_emails_it_instead(
    client, db, django_capture_on_commit_callbacks
):
    make_buyer("new@example.com")
    response, emails = _sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    assert [email["subject"] for email in emails] == ["You already have a Mercato account"]
    assert not PendingBuyerSignup.objects.exists()


def test_a_seller_and_a_buyer_may_share_an_email_and_stay_apart(client, db, django_capture_on_commit_callbacks):
    seller = make_user("new@example.com", password="the seller's own password")
    _, emails = _sign_up(client, django_capture_on_commit_callbacks)
    assert [email["subject"] for email in emails] == ["Confirm your Mercato account"]
    path = re.search(r"(/buyer/signup/confirm/\S+/)", emails[0]["body"]).group(1)
    client.post(path, HTTP_HOST=PLATFORM)
    # Signed in as a buyer is not signed in as the seller: the sellers' pages still ask for a sign-in.
    assert client.get("/account/", HTTP_HOST=PLATFORM)["Location"].startswith("/login/")
    seller.refresh_from_db()
    assert seller.check_password("the seller's own password")


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"email": "not an address"}, "email", "Enter a valid email address."),
        ({"password": "short"}, "password", "This password is too short"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
    ],
)
def test_bad_sign_up_input_is_refused_with_nothing_written(
    client, db, django_capture_on_commit_callbacks, fields, field, message
):
    response, emails = _sign_up(client, django_capture_on_commit_callbacks, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert emails == [] and not PendingBuyerSignup.objects.exists() and not Buyer.objects.exists()


def test_a_stale_confirmation_link_is_refused(client, db):
    response = client.get("/buyer/signup/confirm/not-a-real-token/", HTTP_HOST=PLATFORM)
    assert response.status_code == 410 and "expired or was already used" in response.content.decode()


def test_sign_in_and_out(client, db):
    make_buyer()
    response = sign_in_buyer(client)
    assert response.status_code == 302 and response["Location"] == "/buyer/"
    assert "Signed in as pat@example.com" in client.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    assert client.post("/buyer/signout/", HTTP_HOST=PLATFORM).status_code == 302
    assert client.get("/buyer/", HTTP_HOST=PLATFORM)["Location"].startswith("/buyer/signin/")


@pytest.mark.parametrize("email,password", [("pat@example.com", "wrong password!!"), ("nobody@example.com", PASSWORD)])
def test_a_failed_sign_in_does_not_tell_whether_the_email_exists(client, db, email, password):
    make_buyer()
    response = sign_in_buyer(client, email, password)
    assert response.status_code == 400 and "Email or password is incorrect." in response.content.decode()


def test_sign_in_goes_only_to_a_path_on_the_platform(client, db):
    make_buyer()
    data = {"email": "pat@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    response = client.post("/buyer/signin/", data, HTTP_HOST=PLATFORM, REMOTE_ADDR=next_address())
    assert response["Location"] == "/buyer/"


def test_sign_in_locks_the_account_after_ten_wrong_passwords_from_anywhere(client, db):
    make_buyer()
    for _ in range(10):
        assert sign_in_buyer(client, password="wrong password!!").status_code == 400
    assert sign_in_buyer(client).status_code == 429


def test_password_reset_by_email(client, db, django_capture_on_commit_callbacks):
    buyer = make_buyer()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/buyer/reset/", {"email": "PAT@example.com"}, HTTP_HOST=PLATFORM, REMOTE_ADDR=next_address()
        )
    assert response.status_code == 200
    [email] = emails_in(callbacks)
    path = re.search(r"(/buyer/reset/[^/\s]+/[^/\s]+/)", email["body"]).group(1)
    reset = client.post(path, {"new_password": "another long passphrase"}, HTTP_HOST=PLATFORM)
    assert reset.status_code == 302
    buyer.refresh_from_db()
    assert buyer.check_password("another long passphrase")
    assert client.post(path, {"new_password": "a third long passphrase"}, HTTP_HOST=PLATFORM).status_code == 400


def test_password_reset_says_nothing_about_unknown_addresses(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/buyer/reset/", {"email": "nobody@example.com"}, HTTP_HOST=PLATFORM, REMOTE_ADDR=next_address()
        )
    assert response.status_code == 200 and emails_in(callbacks) == []


def test_a_reset_link_of_a_seller_or_a_forged_one_is_refused(client, db):
    make_buyer()
    assert client.get("/buyer/reset/MQ/not-a-token/", HTTP_HOST=PLATFORM).status_code == 400
    assert client.get("/buyer/reset/%F0%9F%98%80/x-y/", HTTP_HOST=PLATFORM).status_code == 400


def test_addresses_are_kept_and_bad_ones_refused(client, db):
    buyer = make_buyer()
    sign_in_buyer(client)
    address = {
        "name": "Pat Buyer",
        "line1": "1 Rue de la Paix",
        "city": "Paris",
        "postal_code": "75002",
        "country": "fr",
    }
    assert client.post("/buyer/addresses/", address, HTTP_HOST=PLATFORM).status_code == 302
    assert list(BuyerAddress.objects.filter(buyer=buyer).values_list("city", "country")) == [("Paris", "FR")]
    for bad in ({"country": "F1"}, {"city": ""}, {"postal_code": "9" * 21}):
        response = client.post("/buyer/addresses/", {**address, **bad}, HTTP_HOST=PLATFORM)
        assert response.status_code == 400
    assert BuyerAddress.objects.filter(buyer=buyer).count() == 1
    assert "1 Rue de la Paix" in client.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()


def test_one_address_fills_the_cart_the_first_by_default_and_a_chinese_one_keeps_district_and_mobile(client, db):
    buyer = make_buyer()
    sign_in_buyer(client)
    home = {"name": "Pat Buyer", "line1": "1 Rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}
    china = {"name": "林小姐", "line1": "人民路 8 号", "city": "杭州市", "postal_code": "310000", "country": "CN",
             "district": "西湖区", "phone": "138 0013 8000"}  # fmt: skip
    assert client.post("/buyer/addresses/", home, HTTP_HOST=PLATFORM).status_code == 302
    assert client.post("/buyer/addresses/", {**china, "make_default": "on"}, HTTP_HOST=PLATFORM).status_code == 302
    first, second = BuyerAddress.objects.filter(buyer=buyer).order_by("id")
    assert (first.is_default, second.is_default) == (False, True)
    assert (second.district, second.phone) == ("西湖区", "138 0013 8000")
    page = client.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    assert "杭州市, 西湖区, CN · mobile 138 0013 8000" in page
    assert client.post("/buyer/addresses/", {**china, "district": "区" * 101}, HTTP_HOST=PLATFORM).status_code == 400

    assert client.post(f"/buyer/addresses/{first.pk}/default/", HTTP_HOST=PLATFORM).status_code == 302
    assert list(BuyerAddress.objects.filter(is_default=True).values_list("pk", flat=True)) == [first.pk]
    # Removing the default makes the oldest address left the default.
    assert client.post(f"/buyer/addresses/{first.pk}/remove/", HTTP_HOST=PLATFORM).status_code == 302
    assert list(BuyerAddress.objects.filter(is_default=True).values_list("pk", flat=True)) == [second.pk]
    assert client.post("/buyer/addresses/abc/default/", HTTP_HOST=PLATFORM).status_code == 404


def test_a_buyer_cannot_see_or_remove_another_buyers_address(client, db):
    owner = make_buyer("owner@example.com")
    address = BuyerAddress.objects.create(
        buyer=owner, name="Owner", line1="2 Main St", city="Springfield", postal_code="62701", country="US"
    )
    make_buyer()
    sign_in_buyer(client)
    assert "2 Main St" not in client.get("/buyer/", HTTP_HOST=PLATFORM).content.decode()
    assert client.post(f"/buyer/addresses/{address.pk}/remove/", HTTP_HOST=PLATFORM).status_code == 404
    assert client.post(f"/buyer/addresses/{address.pk}/default/", HTTP_HOST=PLATFORM).status_code == 404
    assert client.post("/buyer/addresses/99999999999999999999/remove/", HTTP_HOST=PLATFORM).status_code == 404
    assert BuyerAddress.objects.filter(pk=address.pk).exists()


def test_deleting_the_account_says_what_each_store_keeps_and_removes_the_public_rows(
    client, store_a, store_b, django_capture_on_commit_callbacks
):
    buyer = make_buyer()
    other = make_buyer("other@example.com")
    BuyerStore.objects.create(buyer=buyer, store=store_a)
    BuyerStore.objects.create(buyer=other, store=store_b)
    FollowedStore.objects.create(buyer=buyer, store=store_b)
    BuyerOrder.objects.create(
        buyer=buyer, store=store_a, number=7, total="12.50", currency="USD", status="paid", status_label="Paid",
        placed_at="2026-12-01T10:00Z", link="http://alpha.localhost:8000/account/",
    )  # fmt: skip
    sign_in_buyer(client)
    page = client.get("/buyer/delete/", HTTP_HOST=PLATFORM).content.decode()
    assert "Alpha Outfitters" in page and "Beta Books" not in page
    assert "orders are each store's own records" in page
    # What each store keeps, store by store: the customer record and the orders placed there.
    assert '<li data-store="alpha">Alpha Outfitters: your customer record and 1 order</li>' in page

    refused = client.post("/buyer/delete/", {"password": "not my password"}, HTTP_HOST=PLATFORM)
    assert refused.status_code == 400 and Buyer.objects.filter(pk=buyer.pk).exists()

    with django_capture_on_commit_callbacks() as callbacks:
        deleted = client.post("/buyer/delete/", {"password": PASSWORD}, HTTP_HOST=PLATFORM)
    assert deleted.status_code == 200
    assert '<li data-store="alpha">Alpha Outfitters: your customer record and 1 order</li>' in deleted.content.decode()
    assert not Buyer.objects.filter(pk=buyer.pk).exists()
    for model in (BuyerStore, FollowedStore, BuyerOrder):
        assert not model.objects.filter(buyer_id=buyer.pk).exists()
    # Only the store the buyer signed in on is told to unlink its customer record; the other buyer is untouched.
    assert tasks_named(callbacks, "customers.forget_marketplace_buyer") == [
        {"schema": store_a.schema_name, "args": (buyer.pk,)}
    ]
    assert BuyerStore.objects.filter(buyer=other).exists()
    assert client.get("/buyer/", HTTP_HOST=PLATFORM)["Location"].startswith("/buyer/signin/")
