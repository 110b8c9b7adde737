"""Buyer accounts: sign up, in and out; bad input; rate limits; the cart across sign-in; password change and reset."""

import re

from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from storefront.cart.models import Cart
from storefront.customers.models import Customer
from tests.conftest import host_of, wait_for_email
from tests.storefront.checkout.support import add, in_store, make_variant
from tests.storefront.customers.support import PASSWORD, account_page, make_customer, sign_in, sign_up


def test_signing_up_stores_a_hashed_password_and_signs_the_buyer_in(client, store_a):
    response = sign_up(client, store_a, email="  Sam@Example.COM ", name="Sam Shopper")
    assert (response.status_code, response["Location"]) == (302, "/account/")
    with in_store(store_a):
        customer = Customer.objects.get()
    assert (customer.email, customer.name) == ("sam@example.com", "Sam Shopper")
    assert customer.password != PASSWORD and identify_hasher(customer.password).algorithm == "md5"  # tests' hasher
    assert customer.last_login is not None
    page = account_page(client, store_a).content.decode()
    assert "Signed in as Sam Shopper (sam@example.com)." in page
    assert "No orders yet." in page


def test_sign_in_and_out(client, store_a):
    make_customer(store_a)
    assert account_page(client, store_a)["Location"] == "/account/signin/?next=%2Faccount%2F"
    response = sign_in(client, store_a, email="SAM@example.com")
    assert (response.status_code, response["Location"]) == (302, "/account/")
    assert account_page(client, store_a).status_code == 200

    response = client.post("/account/signout/", HTTP_HOST=host_of(store_a))
    assert (response.status_code, response["Location"]) == (302, "/")
    assert account_page(client, store_a).status_code == 302
    # Signing out is a POST: a link or image on another page cannot sign the buyer out.
    assert client.get("/account/signout/", HTTP_HOST=host_of(store_a)).status_code == 405


def test_a_wrong_password_or_unknown_email_gets_one_clear_message_and_no_session(client, store_a):
    make_customer(store_a)
    for email, password in (("sam@example.com", "not the password"), ("nobody@example.com", PASSWORD)):
        response = sign_in(client, store_a, email=email, password=password)
        assert response.status_code == 400
        assert "Email or password is incorrect." in response.content.decode()
        assert account_page(client, store_a).status_code == 302


def test_sign_in_goes_back_to_a_page_of_this_store_only(client, store_a):
    make_customer(store_a)
    assert sign_in(client, store_a, next="/checkout/")["Location"] == "/checkout/"
    for elsewhere in ("https://evil.example/", "//evil.example/account/", "javascript:alert(1)"):
        assert sign_in(client, store_a, next=elsewhere)["Location"] == "/account/"


def test_bad_sign_up_input_is_refused_with_reasons_and_writes_nothing(client, store_a):
    cases = {
        "not-an-email": ("x", PASSWORD, "Enter a valid email address."),
        "short password": ("a@example.com", "short", "This password is too short."),
        "common password": ("a@example.com", "password123", "This password is too common."),
        "no password": ("a@example.com", "", "This field is required."),
        "huge password": ("a@example.com", "p" * 500, "Ensure this value has at most 128 characters"),
    }
    for email, password, message in cases.values():
        response = sign_up(client, store_a, email=email, password=password)
        assert response.status_code == 400
        assert message in response.content.decode()
    response = sign_up(client, store_a, email="a@example.com", name="n" * 201)
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters" in response.content.decode()
    with in_store(store_a):
        assert not Customer.objects.exists()
    assert account_page(client, store_a).status_code == 302


def test_one_account_per_email_in_a_store_whatever_its_case(client, store_a):
    make_customer(store_a, email="sam@example.com")
    response = sign_up(client, store_a, email="SAM@EXAMPLE.com", password="another long password 7")
    assert response.status_code == 400
    assert "This store already has an account with this email address. Sign in instead." in response.content.decode()
    with in_store(store_a):
        assert Customer.objects.count() == 1


def test_sign_in_is_rate_limited_per_email_even_with_the_right_password(client, store_a, store_b):
    make_customer(store_a)
    make_customer(store_b)
    for _ in range(10):
        assert sign_in(client, store_a, password="wrong password").status_code == 400
    response = sign_in(client, store_a)
    assert response.status_code == 429
    assert "Too many attempts." in response.content.decode()
    assert account_page(client, store_a).status_code == 302
    # Another email in the same store is not locked out by this one; nor is the same email in another store.
    make_customer(store_a, email="robin@example.com")
    assert sign_in(client, store_a, email="robin@example.com").status_code == 302
    assert sign_in(client, store_b).status_code == 302


def test_the_cart_survives_sign_in_under_a_new_session_key(client, store_a):
    make_customer(store_a)
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
    add(client, store_a, mug, 2)
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert sign_in(client, store_a).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    page = client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Camp Mug" in page
    with in_store(store_a):
        assert Cart.objects.get().lines.get().quantity == 2
    # The session id from before sign-in is worthless now (no fixation): it finds neither the account nor the cart.
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    assert account_page(client, store_a).status_code == 302
    assert "Camp Mug" not in client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()


def test_the_cart_survives_signing_up_too_and_signing_out_empties_the_session(client, store_a):
    with in_store(store_a):
        mug = make_variant("Camp Mug", "12.00")
    add(client, store_a, mug)
    assert sign_up(client, store_a).status_code == 302
    assert "Camp Mug" in client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()
    client.post("/account/signout/", HTTP_HOST=host_of(store_a))
    assert "Camp Mug" not in client.get("/cart/", HTTP_HOST=host_of(store_a)).content.decode()


def test_changing_the_password_keeps_this_session_and_signs_out_the_others(client, store_a):
    make_customer(store_a)
    other_device = Client()
    sign_in(other_device, store_a)
    sign_in(client, store_a)
    url, host = "/account/password/", host_of(store_a)

    wrong = client.post(url, {"current_password": "nope", "new_password": "a new long password 9"}, HTTP_HOST=host)
    assert (wrong.status_code, "Your current password is not correct." in wrong.content.decode()) == (400, True)
    weak = client.post(url, {"current_password": PASSWORD, "new_password": "123"}, HTTP_HOST=host)
    assert (weak.status_code, "This password is too short." in weak.content.decode()) == (400, True)
    assert account_page(other_device, store_a).status_code == 200

    done = client.post(url, {"current_password": PASSWORD, "new_password": "a new long password 9"}, HTTP_HOST=host)
    assert (done.status_code, done["Location"]) == (302, "/account/")
    assert account_page(client, store_a).status_code == 200
    assert account_page(other_device, store_a).status_code == 302
    assert sign_in(other_device, store_a).status_code == 400
    assert sign_in(other_device, store_a, password="a new long password 9").status_code == 302


def test_password_reset_by_email_works_once(client, store_a, celery_worker, django_capture_on_commit_callbacks):
    make_customer(store_a, email="reset-me@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/reset/", {"email": "Reset-Me@example.com"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 200
    assert "If Alpha Outfitters has an account for reset-me@example.com" in response.content.decode()
    mail = wait_for_email(celery_worker, to="reset-me@example.com", subject="Reset your password at Alpha Outfitters")
    link = re.search(r"http://alpha\.localhost(/account/reset/[^/\s]+/[^/\s]+/)", mail).group(1)

    stranger = Client()
    assert "Choose a new password" in stranger.get(link, HTTP_HOST=host_of(store_a)).content.decode()
    weak = stranger.post(link, {"new_password": "short"}, HTTP_HOST=host_of(store_a))
    assert weak.status_code == 400
    done = stranger.post(link, {"new_password": "a fresh long password 3"}, HTTP_HOST=host_of(store_a))
    assert (done.status_code, done["Location"]) == (302, "/account/")
    assert account_page(stranger, store_a).status_code == 200
    assert sign_in(client, store_a, email="reset-me@example.com", password="a fresh long password 3").status_code == 302

    # The password changed, so the link is dead.
    again = Client().post(link, {"new_password": "yet another password 5"}, HTTP_HOST=host_of(store_a))
    assert again.status_code == 400
    assert "This reset link is not valid any more." in again.content.decode()


def test_a_reset_for_an_unknown_email_looks_the_same_and_queues_nothing(
    client, store_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/account/reset/", {"email": "nobody@example.com"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 200
    assert "If Alpha Outfitters has an account for nobody@example.com" in response.content.decode()
    assert queued == []
    bad = client.post("/account/reset/", {"email": "not an email"}, HTTP_HOST=host_of(store_a))
    assert (bad.status_code, "Enter a valid email address." in bad.content.decode()) == (400, True)


def test_forged_reset_links_are_refused(client, store_a):
    make_customer(store_a)
    for link in ("/account/reset/MQ/abc-def/", "/account/reset/%%%/x/", "/account/reset/OTk5OTk5/abc-def/"):
        response = client.post(link, {"new_password": "a fresh long password 3"}, HTTP_HOST=host_of(store_a))
        assert response.status_code == 400
        assert "This reset link is not valid any more." in response.content.decode()


def test_the_store_header_links_to_the_account(client, store_a):
    page = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<a class="store-account" href="/account/">Account</a>' in page
