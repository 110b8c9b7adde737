"""Sign-up on the platform site: the emailed link lands the seller, signed in, in their new store's dashboard, and
the answer never tells whether an email address has an account."""

import itertools
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django_tenants.utils import schema_context, schema_exists

from platform.accounts.models import PendingSignup, User
from platform.accounts.tasks import send_email
from storefront.themes.models import NavigationLink, Page, StoreProfile
from tenants.models import Membership, Store
from tests.conftest import make_user, wait_for_email
from tests.support import wait_until

PASSWORD = "a long and unusual passphrase"
# Each sign-up comes from its own address, so the real rate limit (kept in Redis) never trips by accident.
_addresses = (f"10.1.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def _signup(client, **overrides):
    data = {"email": "maker@example.com", "password": PASSWORD, "store_name": "Maker Mugs", "slug": "maker-mugs"}
    data.update(overrides)
    return client.post("/signup/", data, HTTP_HOST="localhost", REMOTE_ADDR=next(_addresses))


def _emails(callbacks) -> list[dict]:
    """The emails a committed request would have sent (to, subject, body), in order."""
    return [cb.keywords["kwargs"] for cb in callbacks if getattr(cb, "func", None) == send_email.apply_async]


def _signup_and_read_the_email(client, capture, **overrides) -> tuple[object, list[dict]]:
    with capture() as callbacks:
        response = _signup(client, **overrides)
    return response, _emails(callbacks)


def _link_in(body: str) -> str:
    return re.search(r"http://localhost:8000(/signup/confirm/[^\s]+/)", body).group(1)


def _confirm(client, link: str, slug: str = "maker-mugs"):
    return client.post(link, {"slug": slug}, HTTP_HOST="localhost")


def test_signup_emails_a_link_that_creates_account_and_store_and_lands_signed_in_on_the_dashboard(
    client, ready_schema, django_capture_on_commit_callbacks
):
    response, emails = _signup_and_read_the_email(client, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "We've sent an email to <strong>maker@example.com</strong>." in response.content.decode()
    # Nothing exists until the owner of the address opens the link.
    assert not User.objects.filter(email="maker@example.com").exists()
    assert not Store.objects.filter(slug="maker-mugs").exists()
    assert [(email["to"], email["subject"]) for email in emails] == [
        ("maker@example.com", "Open Maker Mugs on Mercato")
    ]
    link = _link_in(emails[0]["body"])
    page = client.get(link, HTTP_HOST="localhost")
    assert page.status_code == 200 and "Open Maker Mugs" in page.content.decode()
    assert not Store.objects.filter(slug="maker-mugs").exists()  # opening the link (a mail scanner may) makes nothing

    response = _confirm(client, link)
    assert response.status_code == 302
    handoff = urlsplit(response["Location"])
    assert (handoff.scheme, handoff.netloc, handoff.path) == (
        "http",
        "maker-mugs.localhost:8000",
        "/dashboard/handoff/",
    )

    store = Store.objects.get(slug="maker-mugs")
    user = User.objects.get(email="maker@example.com")
    assert store.status == Store.Status.ACTIVE
    assert Membership.objects.get(store=store).user == user and Membership.objects.get(store=store).role == "owner"
    with schema_context(store.schema_name):
        assert StoreProfile.objects.get().contact_email == "maker@example.com"
        assert set(Page.objects.values_list("slug", flat=True)) == {"about", "shipping-returns", "contact"}
        assert NavigationLink.objects.count() == 4

    landed = client.get(f"{handoff.path}?{handoff.query}", HTTP_HOST="maker-mugs.localhost:8000")
    assert landed.status_code == 302 and landed["Location"] == "/dashboard/"
    dashboard = client.get("/dashboard/", HTTP_HOST="maker-mugs.localhost:8000")
    assert dashboard.status_code == 200
    assert "You are owner of this store." in dashboard.content.decode()

    # The emailed link works once.
    client.logout()
    for again in (client.get(link, HTTP_HOST="localhost"), _confirm(client, link)):
        assert again.status_code == 410
        assert "This link has expired or was already used." in again.content.decode()
    assert Store.objects.filter(slug="maker-mugs").count() == 1


def test_the_hand_off_link_works_once(client, ready_schema):
    make_user("maker@example.com", PASSWORD)  # an account's own password opens the store at once
    location = urlsplit(_signup(client)["Location"])
    url = f"{location.path}?{location.query}"
    assert client.get(url, HTTP_HOST="maker-mugs.localhost").status_code == 302
    client.logout()
    again = client.get(url, HTTP_HOST="maker-mugs.localhost")
    assert again.status_code == 403
    assert "already used" in again.content.decode()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "Choose between 3 and 40 characters."),
        ("-maker", "Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen."),
        ("Maker", "Use lowercase letters only."),
        ("www", "&quot;www&quot; is reserved. Please choose another name."),
        ("pg-stats", "&quot;pg-stats&quot; is reserved. Please choose another name."),
        (
            "m\u0430ker",
            "accented or look-alike characters aren&#x27;t allowed in a web address. Did you mean &quot;maker&quot;?",
        ),
    ],
)
def test_bad_subdomains_are_shown_with_their_message_and_nothing_is_made(client, db, slug, message):
    response = _signup(client, slug=slug)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="maker@example.com").exists()
    assert not Store.objects.filter(name="Maker Mugs").exists()


def test_a_taken_subdomain_is_refused(client, store_a):
    response = _signup(client, slug="alpha")
    assert response.status_code == 400
    assert "The subdomain &quot;alpha&quot; is already taken." in response.content.decode()
    assert not User.objects.filter(email="maker@example.com").exists()


def test_a_weak_password_is_refused_with_the_reason(client, db):
    response = _signup(client, password="12345678")
    assert response.status_code == 400
    assert "This password is too short. It must contain at least 10 characters." in response.content.decode()
    assert not schema_exists("store_maker_mugs")


def test_an_existing_email_with_a_wrong_password_gets_a_message_that_reveals_nothing(client, db):
    make_user("maker@example.com", "the real password of the account")
    response = _signup(client)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check your inbox" in body and "already" not in body.replace("already has a Mercato account", "")
    assert not Store.objects.filter(slug="maker-mugs").exists()


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({}, 200, "We've sent an email to <strong>{email}</strong>."),
        ({"slug": "alpha"}, 400, "The subdomain &quot;alpha&quot; is already taken."),
        ({"slug": "stripe"}, 400, "&quot;stripe&quot; is reserved."),
        ({"password": "12345678"}, 400, "This password is too short. It must contain at least 10 characters."),
        ({"password": "short"}, 400, "This password is too short."),
    ],
)
def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(
    client, store_a, django_capture_on_commit_callbacks, overrides, status, message
):
    make_user("taken@example.com", "the real password of the account")
    answers = {}
    for email in ("taken@example.com", "free@example.com"):
        response, emails = _signup_and_read_the_email(
            client, django_capture_on_commit_callbacks, email=email, **overrides
        )
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        answers[email] = (response.status_code, body.replace(email, "{email}"))
        assert message.format(email=email) in body
        assert [sent["to"] for sent in emails] == ([email] if status == 200 else [])
    assert answers["taken@example.com"] == answers["free@example.com"]
    assert answers["free@example.com"][0] == status
    assert not Store.objects.filter(slug="maker-mugs").exists()
    assert not User.objects.filter(email="free@example.com").exists()


def test_the_account_owner_is_emailed_instead_of_being_told_on_the_page(client, db, django_capture_on_commit_callbacks):
    make_user("maker@example.com", "the real password of the account")
    _, emails = _signup_and_read_the_email(client, django_capture_on_commit_callbacks)
    assert [(email["to"], email["subject"]) for email in emails] == [
        ("maker@example.com", "You already have a Mercato account")
    ]
    body = emails[0]["body"]
    assert "Maker Mugs (maker-mugs.localhost)" in body and "http://localhost:8000/password-reset/" in body
    assert "/signup/confirm/" not in body  # no link that would open a store for whoever asked
    assert not PendingSignup.objects.exists()


def test_the_emailed_link_expires_after_a_day(client, db, django_capture_on_commit_callbacks):
    _, emails = _signup_and_read_the_email(client, django_capture_on_commit_callbacks)
    PendingSignup.objects.update(created_at=PendingSignup.objects.get().created_at - timedelta(hours=24, seconds=1))
    assert _confirm(client, _link_in(emails[0]["body"])).status_code == 410
    assert not User.objects.filter(email="maker@example.com").exists()


def test_a_subdomain_taken_meanwhile_can_be_changed_when_opening_the_link(
    client, ready_schema, django_capture_on_commit_callbacks
):
    _, emails = _signup_and_read_the_email(client, django_capture_on_commit_callbacks, slug="alpha-mugs")
    Store.objects.filter(slug="alpha").update(slug="alpha-mugs")  # another store took it meanwhile
    link = _link_in(emails[0]["body"])
    refused = _confirm(client, link, slug="alpha-mugs")
    assert refused.status_code == 400
    assert "The subdomain &quot;alpha-mugs&quot; is already taken." in refused.content.decode()
    assert not User.objects.filter(email="maker@example.com").exists()
    assert _confirm(client, link, slug="maker-mugs").status_code == 302
    assert Store.objects.get(slug="maker-mugs").memberships.get().user.email == "maker@example.com"


def test_one_address_gets_a_few_sign_up_emails_an_hour_at_most(client, db, django_capture_on_commit_callbacks):
    sent = []
    for attempt in range(5):
        response, emails = _signup_and_read_the_email(
            client, django_capture_on_commit_callbacks, slug=f"maker-{attempt}"
        )
        assert response.status_code == 200  # the same answer, sent or not
        sent += emails
    assert len(sent) == 3


def test_an_existing_account_with_its_password_gets_another_store(client, ready_schema):
    make_user("maker@example.com", PASSWORD)
    assert _signup(client).status_code == 302
    assert Membership.objects.filter(user__email="maker@example.com", store__slug="maker-mugs").exists()


def test_when_provisioning_fails_no_account_is_left_either(
    client, ready_schema, monkeypatch, django_capture_on_commit_callbacks
):
    from storefront.themes import services as theme_services

    def broken(**kwargs):
        raise RuntimeError("simulated failure while writing default content")

    _, emails = _signup_and_read_the_email(client, django_capture_on_commit_callbacks)
    monkeypatch.setattr(theme_services, "install_default_content", broken)
    response = _confirm(client, _link_in(emails[0]["body"]))
    assert response.status_code == 400
    assert "We couldn&#x27;t create your store just now. Nothing was saved" in response.content.decode()
    assert not User.objects.filter(email="maker@example.com").exists()
    assert not Store.objects.filter(slug="maker-mugs").exists()
    assert not schema_exists("store_maker_mugs")


def test_passwords_are_hashed_with_argon2_outside_tests():
    from platform import settings as base_settings

    assert base_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("a passphrase", hasher.salt())
    assert encoded.startswith("argon2$argon2id$") and hasher.verify("a passphrase", encoded)


def test_signup_is_rate_limited_per_address(client, db):
    for attempt in range(10):
        client.post("/signup/", {"email": "x"}, HTTP_HOST="localhost", REMOTE_ADDR="10.9.9.9")
    response = client.post("/signup/", {"email": "x"}, HTTP_HOST="localhost", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def _wait_for_job(client, url: str) -> dict:
    states = []

    def finished() -> dict | None:
        states.append(client.get(url, {"format": "json"}, HTTP_HOST="localhost").json())
        return states[-1] if states[-1]["status"] in ("done", "failed") else None

    return wait_until(finished, interval=0.2, what=lambda: f"the provisioning job to finish (last seen: {states[-1]})")


def test_without_a_ready_schema_a_worker_makes_the_store_while_a_progress_page_waits(client, committed, celery_worker):
    from tenants.models import ProvisioningJob, ReadySchema
    from tenants.services import purge_store

    assert not ReadySchema.objects.exists()
    try:
        response = _signup(client, email="queued@example.com", slug="queued-quilts", store_name="Queued Quilts")
        assert response.status_code == 200
        # The real worker sends the email, as it would in production.
        email = wait_for_email(celery_worker, to="queued@example.com", subject="Open Queued Quilts on Mercato")
        response = _confirm(client, _link_in(email), slug="queued-quilts")
        assert response.status_code == 302
        job = ProvisioningJob.objects.get(slug="queued-quilts")
        assert response["Location"] == f"/signup/progress/{job.pk}/"
        page = client.get(response["Location"], HTTP_HOST="localhost")
        assert page.status_code == 200 and "Setting up Queued Quilts" in page.content.decode()

        state = _wait_for_job(client, response["Location"])
        assert state["status"] == "done", state
        handoff = "http://queued-quilts.localhost:8000/dashboard/handoff/?token="
        assert state["next"].startswith(handoff)
        # Without JavaScript, the page itself (which refreshes) forwards once the store is ready.
        assert client.get(response["Location"], HTTP_HOST="localhost")["Location"].startswith(handoff)
        assert Store.objects.get(slug="queued-quilts").status == Store.Status.ACTIVE
    finally:
        for store in Store.objects.filter(slug="queued-quilts"):
            purge_store(store=store)
        User.objects.filter(email="queued@example.com").delete()
        PendingSignup.objects.filter(email="queued@example.com").delete()


def test_a_queued_signup_whose_subdomain_gets_taken_shows_the_reason(client, committed, celery_worker):
    from tenants.models import ProvisioningJob
    from tenants.tasks import run_provisioning_job

    user = User.objects.create_user(email="late@example.com", password=PASSWORD)
    job = ProvisioningJob.objects.create(user=user, name="Too Late", slug="alpha")
    try:
        run_provisioning_job.apply_async(args=(str(job.pk),), headers={"_schema_name": "public"})
        client.force_login(user)
        assert _wait_for_job(client, f"/signup/progress/{job.pk}/")["status"] == "failed"
        job.refresh_from_db()
        assert job.error == 'The subdomain "alpha" is already taken.'
        assert not Store.objects.filter(name="Too Late").exists()
        page = client.get(f"/signup/progress/{job.pk}/", HTTP_HOST="localhost").content.decode()
        assert "The subdomain &quot;alpha&quot; is already taken." in page and "Try another name" in page
    finally:
        user.delete()
