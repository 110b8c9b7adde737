"""Conversations: one thread per buyer, the seller's emailed answer with its signed link, the buyer's answer by it."""

import re
import time
from email.utils import parseaddr

import pytest
from django.core import signing

from storefront.inbox import links
from storefront.inbox.models import ContactMessage, Conversation
from storefront.inbox.tasks import email_answer
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store

MESSAGE = {
    "name": "Robin Reader",
    "email": "robin@example.com",
    "subject": "Tent sizes",
    "message": "Does the tent fit two?",
}
LINK = re.compile(r"http://[^/\s]+/contact/conversation/[^/\s]+/")


def send(client, store, remote_addr: str = "127.0.0.1", **fields):
    return client.post("/contact/", {**MESSAGE, **fields}, HTTP_HOST=host_of(store), REMOTE_ADDR=remote_addr)


def thread_of(store, email: str = "robin@example.com") -> list[tuple[str, str]]:
    with in_store(store):
        conversation = Conversation.objects.get(email__iexact=email)
        return list(conversation.messages.order_by("id").values_list("author", "message"))


def answer_and_email(client, store, conversation: Conversation, text: str, callbacks_fixture, mailoutbox):
    """The seller answers on the dashboard; the task sent after the commit runs here, in the store, as the worker
    would; returns the email it sent."""
    with callbacks_fixture() as callbacks:
        response = client.post(
            f"/dashboard/inbox/{conversation.pk}/reply/", {"message": text}, HTTP_HOST=host_of(store)
        )
    assert (response.status_code, response["Location"]) == (302, f"/dashboard/inbox/{conversation.pk}/")
    sends = [callback for callback in callbacks if callback.args[:1] == ("inbox.email_answer",)]
    assert len(sends) == 1 and sends[0].keywords["headers"]["_schema_name"] == store.schema_name
    before = len(mailoutbox)
    with in_store(store):
        assert email_answer.apply(args=sends[0].keywords["args"]).get() is True
        # Run twice (a redelivered message), it sends nothing more.
        assert email_answer.apply(args=sends[0].keywords["args"]).get() is False
    assert len(mailoutbox) == before + 1
    return mailoutbox[-1]


@pytest.fixture
def robin_thread(client, store_a, owner_a) -> Conversation:
    assert send(client, store_a).status_code == 302
    with in_store(store_a):
        return Conversation.objects.get()


def test_a_buyer_has_one_thread_whatever_the_case_of_their_address(client, store_a, owner_a):
    send(client, store_a)
    send(client, store_a, email="Robin@EXAMPLE.com", subject="Colours", message="Is it green?")
    send(client, store_a, email="sam@example.com", name="Sam", subject="Pegs", message="Spare pegs?")
    with in_store(store_a):
        robin, sam = Conversation.objects.order_by("id")
        assert (robin.email, robin.subject, robin.messages.count()) == ("robin@example.com", "Tent sizes", 2)
        assert (sam.email, sam.messages.count()) == ("sam@example.com", 1)
        assert robin.unread and not robin.answered
    assert thread_of(store_a) == [("buyer", "Does the tent fit two?"), ("buyer", "Is it green?")]
    sign_in_on(client, owner_a, store_a)
    inbox = client.get("/dashboard/inbox/", HTTP_HOST=host_of(store_a)).content.decode()
    assert inbox.count("<strong>Unread</strong>") == 2
    thread = client.get(f"/dashboard/inbox/{robin.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert thread.index("Does the tent fit two?") < thread.index("Is it green?")
    # Opened: read now, but not answered yet.
    inbox = client.get("/dashboard/inbox/", HTTP_HOST=host_of(store_a)).content.decode()
    assert inbox.count("<strong>Unread</strong>") == 1 and "Awaiting answer" in inbox


def test_the_seller_answer_is_emailed_in_the_store_name_with_a_link_that_opens_the_thread(
    client, store_a, owner_a, robin_thread, django_capture_on_commit_callbacks, mailoutbox
):
    with in_store(store_a):
        update_profile(profile=store_profile(), contact_email="help@alpha.test")
    sign_in_on(client, owner_a, store_a)
    email = answer_and_email(
        client, store_a, robin_thread, "Yes, two people and their bags.", django_capture_on_commit_callbacks, mailoutbox
    )
    assert email.to == ["robin@example.com"] and email.reply_to == ["help@alpha.test"]
    assert parseaddr(email.from_email) == ("Alpha Outfitters", "no-reply@localhost")
    assert email.subject == "Alpha Outfitters: Re: Tent sizes"
    assert "Yes, two people and their bags." in email.body
    html, kind = email.alternatives[0]
    assert kind == "text/html" and "Yes, two people and their bags." in html
    link = LINK.search(email.body).group(0)
    assert link.startswith(f"http://{host_of(store_a)}/contact/conversation/") and f'href="{link}"' in html

    with in_store(store_a):
        robin_thread.refresh_from_db()
        assert robin_thread.answered and not robin_thread.unread
        assert ContactMessage.objects.get(author="seller").emailed_at is not None
    inbox = client.get("/dashboard/inbox/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "Answered" in inbox and "<strong>Unread</strong>" not in inbox

    client.logout()  # the buyer has no account: the link is all they need
    page = client.get(link.removeprefix(f"http://{host_of(store_a)}"), HTTP_HOST=host_of(store_a))
    text = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert page["Referrer-Policy"] == "same-origin"
    assert text.index("Does the tent fit two?") < text.index("Yes, two people and their bags.")
    assert "Your conversation with Alpha Outfitters" in text and 'name="message"' in text


def test_the_buyer_answers_by_the_link_and_the_seller_is_told_and_sees_it(
    client, store_a, owner_a, robin_thread, django_capture_on_commit_callbacks, mailoutbox
):
    sign_in_on(client, owner_a, store_a)
    email = answer_and_email(client, store_a, robin_thread, "Yes.", django_capture_on_commit_callbacks, mailoutbox)
    path = LINK.search(email.body).group(0).removeprefix(f"http://{host_of(store_a)}")
    with django_capture_on_commit_callbacks() as callbacks:
        sent = client.post(path, {"message": "Great, and the weight?"}, HTTP_HOST=host_of(store_a))
    assert (sent.status_code, sent["Location"]) == (302, f"{path}?sent=1")
    assert (
        "Your answer was sent to Alpha Outfitters."
        in client.get(sent["Location"], HTTP_HOST=host_of(store_a)).content.decode()
    )
    assert thread_of(store_a) == [
        ("buyer", "Does the tent fit two?"),
        ("seller", "Yes."),
        ("buyer", "Great, and the weight?"),
    ]
    # The seller hears of it by email, with the way to the thread.
    notices = [callback.keywords["kwargs"] for callback in callbacks]
    assert [notice["to"] for notice in notices] == ["owner@alpha.test"]
    assert notices[0]["subject"] == "[Alpha Outfitters] Reply: Tent sizes"
    assert "Great, and the weight?" in notices[0]["body"]
    assert f"http://{host_of(store_a)}/dashboard/inbox/{robin_thread.pk}/" in notices[0]["body"]
    inbox = client.get("/dashboard/inbox/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "<strong>Unread</strong>" in inbox
    assert (
        "Great, and the weight?"
        in client.get(f"/dashboard/inbox/{robin_thread.pk}/", HTTP_HOST=host_of(store_a)).content.decode()
    )


def _old_token(payload: dict) -> str:
    """A genuinely signed token, made as if a day past the link's lifetime ago."""

    class SignedLongAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - links.MAX_AGE_SECONDS - 86400)

    return SignedLongAgo(salt=links.SALT).sign_object(payload)


def test_tampered_expired_revoked_or_other_store_links_open_nothing(client, store_a, store_b, robin_thread):
    with in_store(store_a):
        good = links.conversation_token(store_id=store_a.pk, conversation=robin_thread)
        payload = {"s": store_a.pk, "c": robin_thread.pk, "k": robin_thread.link_key}
    assert client.get(f"/contact/conversation/{good}/", HTTP_HOST=host_of(store_a)).status_code == 200
    # Store B has a conversation with the same id: A's link must not open it, nor A's.
    with in_store(store_b):
        twin = Conversation.objects.create(
            pk=robin_thread.pk,
            email="robin@example.com",
            name="Robin",
            subject="B's own",
            last_message_at=robin_thread.last_message_at,
        )
        ContactMessage.objects.create(conversation=twin, message="For B only")
    value, signature = good.rsplit(":", 1)
    refused = {
        "tampered": (f"{value}:{signature[:-2]}xx", 404, links.NOT_VALID),
        "another store's host": (good, 404, links.NOT_VALID),
        "signed for another store": (
            signing.dumps({**payload, "s": store_b.pk}, salt=links.SALT),
            404,
            links.NOT_VALID,
        ),
        "unsigned": ("robin", 404, links.NOT_VALID),
        "expired": (_old_token(payload), 403, "This link has expired."),
        "another salt": (signing.dumps(payload, salt="something else"), 404, links.NOT_VALID),
    }
    for what, (token, status, message) in refused.items():
        host = host_of(store_b) if what == "another store's host" else host_of(store_a)
        for response in (
            client.get(f"/contact/conversation/{token}/", HTTP_HOST=host),
            client.post(f"/contact/conversation/{token}/", {"message": "Sneaky"}, HTTP_HOST=host),
        ):
            page = response.content.decode()
            assert response.status_code == status, what
            assert message in page and "This link doesn't open a conversation" in page, what
            assert "Does the tent fit two?" not in page and "For B only" not in page, what
    # A new link key (the thread's links revoked) stops the old link.
    with in_store(store_a):
        Conversation.objects.filter(pk=robin_thread.pk).update(link_key="revoked")
    assert client.get(f"/contact/conversation/{good}/", HTTP_HOST=host_of(store_a)).status_code == 404
    assert thread_of(store_a) == [("buyer", "Does the tent fit two?")]
    assert thread_of(store_b) == [("buyer", "For B only")]


def test_store_b_seller_cannot_see_or_answer_store_a_thread(client, store_a, store_b, robin_thread, mailoutbox):
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    reply = f"/dashboard/inbox/{robin_thread.pk}/reply/"
    assert client.get(f"/dashboard/inbox/{robin_thread.pk}/", HTTP_HOST=host_of(store_b)).status_code == 404
    assert client.post(reply, {"message": "From B"}, HTTP_HOST=host_of(store_b)).status_code == 404
    sign_in_on(client, owner_b, store_a)  # a session on A's host: B's owner is nobody there
    assert client.post(reply, {"message": "From B"}, HTTP_HOST=host_of(store_a)).status_code == 403
    assert thread_of(store_a) == [("buyer", "Does the tent fit two?")]
    with in_store(store_b):
        assert not ContactMessage.objects.exists()
    assert mailoutbox == []


def test_buyer_answers_are_rate_limited(client, store_a, robin_thread):
    with in_store(store_a):
        path = links.conversation_path(store_id=store_a.pk, conversation=robin_thread)
    for index in range(10):
        assert client.post(path, {"message": f"Answer {index}"}, HTTP_HOST=host_of(store_a)).status_code == 302
    refused = client.post(path, {"message": "One too many"}, HTTP_HOST=host_of(store_a))
    assert refused.status_code == 429
    assert "You have sent several messages in the last hour. Please try again later." in refused.content.decode()
    assert len(thread_of(store_a)) == 11 and ("buyer", "One too many") not in thread_of(store_a)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("   ", "This field is required."),
        ("m" * 5001, "Keep it to 5,000 characters (this has 5,001)."),
        ("http://a.test http://b.test http://c.test http://d.test", "Please include at most 3 links (this has 4)."),
    ],
)
def test_bad_buyer_answers_are_refused_with_a_message_and_nothing_is_stored(client, store_a, robin_thread, text, error):
    with in_store(store_a):
        path = links.conversation_path(store_id=store_a.pk, conversation=robin_thread)
    response = client.post(path, {"message": text}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert f'<p class="field-error">{error}</p>' in response.content.decode()
    assert thread_of(store_a) == [("buyer", "Does the tent fit two?")]


def test_a_nul_character_is_refused_before_anything_is_stored(client, store_a, owner_a, robin_thread):
    with in_store(store_a):
        path = links.conversation_path(store_id=store_a.pk, conversation=robin_thread)
    assert client.post(path, {"message": "Hi\x00"}, HTTP_HOST=host_of(store_a)).status_code == 400
    sign_in_on(client, owner_a, store_a)
    reply = f"/dashboard/inbox/{robin_thread.pk}/reply/"
    assert client.post(reply, {"message": "Hi\x00"}, HTTP_HOST=host_of(store_a)).status_code == 400
    assert thread_of(store_a) == [("buyer", "Does the tent fit two?")]


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "This field is required."), ("a" * 5001, "Keep it to 5,000 characters (this has 5,001).")],
)
def test_bad_seller_answers_are_refused_on_the_thread_page(
    client, store_a, owner_a, robin_thread, django_capture_on_commit_callbacks, text, error
):
    sign_in_on(client, owner_a, store_a)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            f"/dashboard/inbox/{robin_thread.pk}/reply/", {"message": text}, HTTP_HOST=host_of(store_a)
        )
    assert response.status_code == 400 and f'<p class="field-error">{error}</p>' in response.content.decode()
    assert callbacks == [] and thread_of(store_a) == [("buyer", "Does the tent fit two?")]
