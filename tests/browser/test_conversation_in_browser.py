"""In a real browser: a buyer writes through the contact page, the seller answers in the dashboard, the buyer opens
the emailed link (sent by the real worker) and answers, and the seller sees that answer in the thread.

The store is provisioned here with an owner and purged afterwards; everything else is done through the pages.
"""

import re

import pytest

from tests.conftest import wait_for_email
from tests.support import WAIT_TIMEOUT

pytestmark = [pytest.mark.browser]

SLUG = "browser-talk-shop"
OWNER_EMAIL = "browser-talk-owner@example.com"
PASSWORD = "a long seller password 71"
BUYER_EMAIL = "browser-talk-buyer@example.com"


@pytest.fixture(scope="module")
def talk_store(django_db_blocker, live_server_url, celery_worker):
    """Committed before the browser starts (the ORM can't run under its event loop); purged after it closes."""
    from platform.accounts.models import User
    from tenants.services import provision_store, purge_store
    from tests.conftest import add_member, make_user

    with django_db_blocker.unblock():
        store = provision_store(name="Browser Talk Shop", slug=SLUG)
        add_member(store, make_user(OWNER_EMAIL, PASSWORD), "owner")
    yield store
    with django_db_blocker.unblock():
        purge_store(store=store)
        User.objects.filter(email=OWNER_EMAIL).delete()


def test_a_conversation_goes_back_and_forth_between_contact_page_dashboard_and_emailed_link(
    talk_store, browser, page, live_server_url, celery_worker, screenshot_dir
):
    store_url = f"http://{SLUG}.localhost:{live_server_url}"
    buyer_context = browser.new_context(viewport={"width": 390, "height": 844})
    buyer_context.set_default_timeout(WAIT_TIMEOUT * 1000)
    buyer = buyer_context.new_page()
    try:
        # The buyer writes from the contact page.
        buyer.goto(f"{store_url}/contact/")
        buyer.fill("#contact-name", "Robin Reader")
        buyer.fill("#contact-email", BUYER_EMAIL)
        buyer.fill("#contact-subject", "Gift wrapping")
        buyer.fill("#contact-message", "Can you wrap the mug as a gift?")
        buyer.click(".contact-form button[type=submit]")
        buyer.wait_for_selector("#contact-thanks")

        # The seller sees an unread conversation and answers it.
        page.goto(f"{store_url}/dashboard/login/")
        page.fill("input[name=email]", OWNER_EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{store_url}/dashboard/")
        page.goto(f"{store_url}/dashboard/inbox/")
        row = page.locator("table.inbox-list tbody tr", has_text="Gift wrapping")
        assert "Unread" in row.inner_text()
        row.locator("a").click()
        page.wait_for_selector("#conversation-thread:has-text('Can you wrap the mug as a gift?')")
        page.fill("#answer-message", "Of course, in brown paper with a red ribbon.")
        page.click("button:has-text('Send answer')")
        page.wait_for_selector(f".flash:has-text('Answer sent to {BUYER_EMAIL}.')")
        page.screenshot(path=screenshot_dir / "1-seller-answered.png", full_page=True)

        # The worker emails the answer in the store's name, with the link back to the thread.
        email = wait_for_email(celery_worker, to=BUYER_EMAIL, subject="Browser Talk Shop: Re: Gift wrapping")
        assert "Of course, in brown paper with a red ribbon." in email
        link = re.search(rf"{re.escape(store_url)}/contact/conversation/[^/\s]+/", email).group(0)

        # The buyer, with no account, opens it, reads the thread and answers.
        buyer.goto(link)
        thread = buyer.inner_text("#conversation-thread")
        assert thread.index("Can you wrap the mug as a gift?") < thread.index("Of course, in brown paper")
        buyer.fill("#conversation-message", "Lovely, thank you! It's for Saturday.")
        buyer.click(".contact-form button[type=submit]")
        buyer.wait_for_selector("#conversation-sent")
        assert "Lovely, thank you! It's for Saturday." in buyer.inner_text("#conversation-thread")
        buyer.screenshot(path=screenshot_dir / "2-buyer-answered.png", full_page=True)

        # A link changed by one character opens nothing.
        buyer.goto(link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:])
        assert "This link is not valid." in buyer.inner_text("#conversation-refused")

        # The seller sees the conversation unread again, with the buyer's answer in it.
        page.goto(f"{store_url}/dashboard/inbox/")
        assert "Unread" in page.locator("table.inbox-list tbody tr", has_text="Gift wrapping").inner_text()
        page.locator("table.inbox-list tbody tr a", has_text="Gift wrapping").click()
        page.wait_for_selector('#conversation-thread:has-text("Lovely, thank you! It\'s for Saturday.")')
        page.screenshot(path=screenshot_dir / "3-seller-sees-the-answer.png", full_page=True)
    finally:
        buyer_context.close()
