"""The contact form: stored in the store's schema, emailed to the seller, rate limited, spam-safe; the inbox."""

import pytest

from storefront.inbox.models import ContactMessage, Conversation
from storefront.inbox.services import recipients
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.conftest import add_member, host_of, make_user, sign_in_on, wait_for_email
from tests.storefront.checkout.support import in_store

MESSAGE = {
    "name": "Robin Reader",
    "email": "robin@example.com",
    "subject": "Tent sizes",
    "message": "Does the tent fit two?",
}


def send(client, store, remote_addr: str = "127.0.0.1", **fields):
    return client.post("/contact/", {**MESSAGE, **fields}, HTTP_HOST=host_of(store), REMOTE_ADDR=remote_addr)


def stored(store) -> list[tuple[str, str, str, str]]:
    with in_store(store):
        return list(ContactMessage.objects.order_by("id").values_list("name", "email", "subject", "message"))


def test_the_contact_page_carries_a_csrf_token_and_is_never_cached(client, store_a):
    for _ in range(2):
        response = client.get("/contact/", HTTP_HOST=host_of(store_a))
        page = response.content.decode()
        assert response.status_code == 200 and "X-Page-Cache" not in response
        assert 'name="csrfmiddlewaretoken"' in page and '<form method="post" action="/contact/"' in page
        assert 'name="website" tabindex="-1"' in page
    home = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<a href="/contact/">Contact</a>' in home


def test_a_message_is_stored_and_emailed_to_the_owners_when_the_store_has_no_contact_email(
    client, store_a, owner_a, celery_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, store_a, subject="Tent\r\nBcc: victim@example.com")
    assert (response.status_code, response["Location"]) == (302, "/contact/thanks/")
    thanks = client.get("/contact/thanks/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Your message was sent to Alpha Outfitters. They will answer you by email." in thanks
    # The newline is folded away: nothing a visitor types becomes an email header.
    assert stored(store_a) == [
        ("Robin Reader", "robin@example.com", "Tent Bcc: victim@example.com", MESSAGE["message"])
    ]
    with in_store(store_a):
        saved = ContactMessage.objects.get()
        assert (saved.ip_address, saved.author, saved.conversation.handled_at) == ("127.0.0.1", "buyer", None)
    email = wait_for_email(celery_worker, to="owner@alpha.test", subject="[Alpha Outfitters] Message:")
    assert email.startswith("Subject: [Alpha Outfitters] Message: Tent Bcc: victim@example.com\n\n")
    assert "Robin Reader <robin@example.com> wrote through your store's contact form:" in email
    assert "Does the tent fit two?" in email
    assert f"http://{host_of(store_a)}/dashboard/inbox/{saved.conversation_id}/" in email


def test_the_store_contact_email_gets_the_message_instead_of_the_owners(
    client, store_a, owner_a, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        assert recipients(store=store_a) == ["owner@alpha.test"]
        with django_capture_on_commit_callbacks(execute=True):
            update_profile(profile=store_profile(), contact_email="help@alpha.test")
        assert recipients(store=store_a) == ["help@alpha.test"]
    with django_capture_on_commit_callbacks() as callbacks:
        assert send(client, store_a).status_code == 302
    assert len(callbacks) == 1  # one email, to the contact address
    assert callbacks[0].args == () and callbacks[0].keywords["kwargs"]["to"] == "help@alpha.test"


def test_a_filled_honeypot_is_thanked_but_neither_stored_nor_emailed(
    client, store_a, owner_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = send(client, store_a, website="http://spam.example")
    assert (response.status_code, response["Location"]) == (302, "/contact/thanks/")
    assert callbacks == []
    assert stored(store_a) == []


def test_messages_are_rate_limited_per_ip(client, store_a):
    for index in range(5):
        assert send(client, store_a, subject=f"Question {index}").status_code == 302
    refused = send(client, store_a, subject="Question 5")
    assert refused.status_code == 429
    assert "You have sent several messages in the last hour. Please try again later." in refused.content.decode()
    assert send(client, store_a, remote_addr="203.0.113.9", subject="From elsewhere").status_code == 302
    assert [subject for _, _, subject, _ in stored(store_a)] == [f"Question {i}" for i in range(5)] + ["From elsewhere"]


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"name": "  "}, "This field is required."),
        ({"subject": ""}, "This field is required."),
        ({"message": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Enter a valid email address, so the seller can answer."),
        ({"name": "n" * 101}, "Keep it to 100 characters (this has 101)."),
        ({"subject": "s" * 201}, "Keep it to 200 characters (this has 201)."),
        ({"message": "m" * 5001}, "Keep it to 5,000 characters (this has 5,001)."),
        ({"message": "see http://a.test https://b.test www.c.test and HTTP://d.test"},
         "Please include at most 3 links (this has 4)."),
        ({"subject": "http://a.test", "message": "http://b.test http://c.test www.d.test"},
         "Please include at most 3 links (this has 4)."),
    ],
)  # fmt: skip
def test_invalid_messages_are_refused_with_a_message_and_nothing_is_stored(client, store_a, fields, field_error):
    response = send(client, store_a, **fields)
    assert response.status_code == 400
    assert f'<p class="field-error">{field_error}</p>' in response.content.decode()
    assert stored(store_a) == []


def test_three_links_and_the_longest_message_are_accepted(client, store_a):
    text = "http://a.test https://b.test www.c.test " + "m" * (5000 - 40)
    assert len(text) == 5000
    assert send(client, store_a, message=text).status_code == 302
    assert [message for *_, message in stored(store_a)] == [text]


def test_staff_read_the_inbox_newest_first_and_mark_a_conversation_handled(client, store_a):
    send(client, store_a, subject="First")
    send(client, store_a, subject="Second <b>bold</b>", email="sam@example.com", remote_addr="203.0.113.5")
    with in_store(store_a):
        first, second = Conversation.objects.order_by("id")
    staff = make_user("packer@alpha.test")
    add_member(store_a, staff, "staff")
    sign_in_on(client, staff, store_a)
    inbox = client.get("/dashboard/inbox/", HTTP_HOST=host_of(store_a)).content.decode()
    assert '<a href="/dashboard/inbox/">Inbox</a>' in inbox
    newer = f'<a href="/dashboard/inbox/{second.pk}/">Second &lt;b&gt;bold&lt;/b&gt;</a>'
    older = f'<a href="/dashboard/inbox/{first.pk}/">First</a>'
    assert newer in inbox and older in inbox and inbox.index(newer) < inbox.index(older)

    detail = client.get(f"/dashboard/inbox/{first.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Does the tent fit two?" in detail and '<a href="mailto:robin@example.com">' in detail
    assert "<button>Mark handled</button>" in detail
    done = client.post(f"/dashboard/inbox/{first.pk}/handled/", {"handled": "1"}, HTTP_HOST=host_of(store_a))
    assert (done.status_code, done["Location"]) == (302, f"/dashboard/inbox/{first.pk}/")
    detail = client.get(f"/dashboard/inbox/{first.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Handled by packer@alpha.test on" in detail and "<button>Mark not handled</button>" in detail
    open_only = client.get("/dashboard/inbox/?show=open", HTTP_HOST=host_of(store_a)).content.decode()
    assert newer in open_only and older not in open_only

    client.post(f"/dashboard/inbox/{first.pk}/handled/", {"handled": "0"}, HTTP_HOST=host_of(store_a))
    with in_store(store_a):
        first.refresh_from_db()
        assert (first.handled_at, first.handled_by) == (None, "")
    assert client.get("/dashboard/inbox/nope/", HTTP_HOST=host_of(store_a)).status_code == 404


def test_the_inbox_needs_a_member_of_this_store(client, store_a):
    send(client, store_a)
    with in_store(store_a):
        conversation = Conversation.objects.get()
    response = client.get("/dashboard/inbox/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 302 and response["Location"] == "/dashboard/login/?next=/dashboard/inbox/"
    assert client.get(f"/dashboard/inbox/{conversation.pk}/", HTTP_HOST=host_of(store_a)).status_code == 302


def test_another_store_cannot_read_or_handle_store_a_conversations(client, store_a, store_b):
    send(client, store_a, subject="Only for A")
    with in_store(store_a):
        conversation = Conversation.objects.get()
    assert stored(store_b) == []
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    inbox_b = client.get("/dashboard/inbox/", HTTP_HOST=host_of(store_b)).content.decode()
    assert "No messages yet." in inbox_b and "Only for A" not in inbox_b
    assert client.get(f"/dashboard/inbox/{conversation.pk}/", HTTP_HOST=host_of(store_b)).status_code == 404
    assert client.post(f"/dashboard/inbox/{conversation.pk}/handled/", HTTP_HOST=host_of(store_b)).status_code == 404
    # B's owner holding a session on A's host is nobody there.
    sign_in_on(client, owner_b, store_a)
    assert client.get(f"/dashboard/inbox/{conversation.pk}/", HTTP_HOST=host_of(store_a)).status_code == 403
    assert client.post(f"/dashboard/inbox/{conversation.pk}/handled/", HTTP_HOST=host_of(store_a)).status_code == 403
    with in_store(store_a):
        assert Conversation.objects.get().handled_at is None
