"""Signing in on the platform site and on a store's host; sessions never cross hosts; password reset by email."""

import itertools
import re

import pytest
from django.core import signing

from platform.accounts.services import make_handoff_token
from tenants.models import Store
from tests.conftest import add_member, host_of, make_user, wait_for_email

PASSWORD = "correct horse battery staple"
_addresses = (f"10.2.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def _login(client, host: str, email: str, password: str, path: str = "/login/"):
    return client.post(path, {"email": email, "password": password}, HTTP_HOST=host, REMOTE_ADDR=next(_addresses))


def test_sign_in_on_the_platform_lists_every_store_of_the_person(client, store_a, store_b):
    user = make_user("both@example.com")
    add_member(store_a, user, "owner")
    add_member(store_b, user, "staff")
    assert _login(client, "localhost", "both@example.com", PASSWORD)["Location"] == "/account/"
    body = client.get("/account/", HTTP_HOST="localhost").content.decode()
    assert "Alpha Outfitters" in body and "Beta Books" in body
    opened = client.post("/stores/beta/open/", HTTP_HOST="localhost")
    assert opened.status_code == 302
    assert opened["Location"].startswith("http://beta.localhost:8000/dashboard/handoff/?token=")


def test_a_person_cannot_open_a_store_they_are_not_on(client, store_a, store_b):
    user = make_user("alpha-only@example.com")
    add_member(store_a, user, "owner")
    client.force_login(user)
    assert client.post("/stores/beta/open/", HTTP_HOST="localhost").status_code == 404


def test_sign_in_directly_on_the_store_host(client, store_a, owner_a):
    response = _login(client, host_of(store_a), "owner@alpha.test", PASSWORD, path="/dashboard/login/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/", HTTP_HOST=host_of(store_a)).status_code == 200


@pytest.mark.parametrize("email,password", [("owner@alpha.test", "wrong password!!"), ("nobody@alpha.test", PASSWORD)])
def test_failed_sign_in_does_not_reveal_whether_the_email_exists(client, store_a, owner_a, email, password):
    platform = _login(client, "localhost", email, password)
    store = _login(client, host_of(store_a), email, password, path="/dashboard/login/")
    assert platform.status_code == store.status_code == 400
    assert "Email or password is incorrect." in platform.content.decode()
    assert "Email or password is incorrect, or this account has no access" in store.content.decode()


def test_a_session_on_one_store_is_not_valid_on_another_store_or_the_platform(client, store_a, store_b, owner_a):
    add_member(store_b, owner_a, "owner")
    assert _login(client, host_of(store_a), "owner@alpha.test", PASSWORD, path="/dashboard/login/").status_code == 302
    assert client.get("/dashboard/", HTTP_HOST=host_of(store_a)).status_code == 200
    on_b = client.get("/dashboard/", HTTP_HOST=host_of(store_b))
    assert on_b.status_code == 302 and on_b["Location"].startswith("/dashboard/login/")
    assert client.get("/account/", HTTP_HOST="localhost")["Location"].startswith("/login/")


def test_a_hand_off_token_is_bound_to_its_store(client, store_a, store_b, owner_a):
    token = make_handoff_token(user=owner_a, store=store_a)
    response = client.get(f"/dashboard/handoff/?token={token}", HTTP_HOST=host_of(store_b))
    assert response.status_code == 403
    assert "for another store" in response.content.decode()


def test_a_hand_off_token_expires_after_a_minute(client, store_a, owner_a, monkeypatch):
    import time

    issued = time.time() - 61
    monkeypatch.setattr(signing.time, "time", lambda: issued)
    token = make_handoff_token(user=owner_a, store=store_a)
    monkeypatch.undo()
    response = client.get(f"/dashboard/handoff/?token={token}", HTTP_HOST=host_of(store_a))
    assert response.status_code == 403
    assert "expired" in response.content.decode()


def test_a_forged_hand_off_token_is_refused(client, store_a, owner_a):
    token = make_handoff_token(user=owner_a, store=store_a)
    response = client.get(f"/dashboard/handoff/?token={token[:-2]}xx", HTTP_HOST=host_of(store_a))
    assert response.status_code == 403


def test_sign_in_is_rate_limited_per_email_even_from_many_addresses(client, store_a):
    make_user("limited@alpha.test")
    for _ in range(10):
        assert _login(client, "localhost", "limited@alpha.test", "not the password").status_code == 400
    response = _login(client, "localhost", "limited@alpha.test", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_a_lockout_started_on_the_platform_holds_on_every_store_and_in_the_console(client, store_a, store_b, owner_a):
    add_member(store_b, owner_a, "owner")
    for _ in range(10):
        assert _login(client, "localhost", "owner@alpha.test", "not the password").status_code == 400
    # The right password, on each store's own login page: still locked, not ten more guesses per store.
    for store in (store_a, store_b):
        locked = _login(client, host_of(store), "owner@alpha.test", PASSWORD, path="/dashboard/login/")
        assert locked.status_code == 429 and "Too many attempts" in locked.content.decode()
    console = _login_to_the_console(client, "owner@alpha.test", PASSWORD)
    assert console.status_code == 200 and "Too many attempts." in console.content.decode()
    assert _login(client, "localhost", "owner@alpha.test", PASSWORD).status_code == 429
    # Another account is not locked out by this one.
    make_user("other@alpha.test")
    assert _login(client, "localhost", "other@alpha.test", PASSWORD).status_code == 302


def test_wrong_passwords_on_different_stores_add_up_for_one_account(client, store_a, store_b, owner_a):
    add_member(store_b, owner_a, "owner")
    for store in (store_a, store_b) * 5:
        assert _login(client, host_of(store), "owner@alpha.test", "nope!", path="/dashboard/login/").status_code == 400
    assert _login(client, "localhost", "owner@alpha.test", PASSWORD).status_code == 429
    assert _login(client, host_of(store_a), "owner@alpha.test", PASSWORD, path="/dashboard/login/").status_code == 429


def test_the_console_login_counts_wrong_passwords_too(client, db):
    admin = make_user("admin@mercato.test")
    admin.is_staff = True
    admin.save()
    for _ in range(10):
        assert _login_to_the_console(client, "admin@mercato.test", "not the password").status_code == 200
    assert _login(client, "localhost", "admin@mercato.test", PASSWORD).status_code == 429
    assert "Too many attempts." in _login_to_the_console(client, "admin@mercato.test", PASSWORD).content.decode()


def test_one_address_is_locked_out_after_thirty_wrong_passwords_on_any_accounts_and_hosts(client, store_a, store_b):
    from tests.storefront.customers.support import make_customer

    make_customer(store_a, email="buyer@alpha.test")
    attempts = [
        ("localhost", "/login/"),
        (host_of(store_a), "/dashboard/login/"),
        (host_of(store_b), "/dashboard/login/"),
        (host_of(store_a), "/account/signin/"),
    ]
    for n in range(30):
        host, path = attempts[n % len(attempts)]
        data = {"email": f"guess{n}@example.com", "password": "wrong password"}
        assert client.post(path, data, HTTP_HOST=host, REMOTE_ADDR="10.7.7.7").status_code == 400
    buyer = {"email": "buyer@alpha.test", "password": "a long buyer password 42"}
    locked = client.post("/account/signin/", buyer, HTTP_HOST=host_of(store_a), REMOTE_ADDR="10.7.7.7")
    assert locked.status_code == 429
    assert client.post("/account/signin/", buyer, HTTP_HOST=host_of(store_a), REMOTE_ADDR="10.7.7.8").status_code == 302


def test_a_locked_account_cannot_open_a_store_through_sign_up_either(client, store_a, owner_a):
    for _ in range(10):
        _login(client, host_of(store_a), "owner@alpha.test", "not the password", path="/dashboard/login/")
    data = {"email": "owner@alpha.test", "password": PASSWORD, "store_name": "Sneaky", "slug": "sneaky-shop"}
    response = client.post("/signup/", data, HTTP_HOST="localhost", REMOTE_ADDR=next(_addresses))
    assert response.status_code == 429
    assert not Store.objects.filter(slug="sneaky-shop").exists()


def _login_to_the_console(client, email: str, password: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password},
        HTTP_HOST="localhost",
        REMOTE_ADDR=next(_addresses),
    )


def test_password_reset_by_email_sent_by_the_worker(client, store_a, owner_a, celery_worker,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password-reset/", {"email": "owner@alpha.test"}, HTTP_HOST="localhost")
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    email = wait_for_email(celery_worker, to="owner@alpha.test", subject="Reset your Mercato password")
    link = re.search(r"http://localhost(/password-reset/[^\s]+/)", email).group(1)
    form = client.get(link, HTTP_HOST="localhost", follow=True)
    assert "Choose a new password" in form.content.decode()
    new_password = "a brand new passphrase 42"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        HTTP_HOST="localhost",
    )
    assert done.status_code == 302
    assert _login(client, "localhost", "owner@alpha.test", new_password).status_code == 302


def test_password_reset_for_an_unknown_email_looks_the_same(client, db):
    response = client.post("/password-reset/", {"email": "nobody@nowhere.test"}, HTTP_HOST="localhost")
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
