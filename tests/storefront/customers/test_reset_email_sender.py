"""A buyer's password-reset email comes in the store's name, like every email the store sends its buyers."""

from platform.accounts.tasks import send_email
from storefront.customers.services import register_customer, request_password_reset
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.storefront.checkout.support import in_store


def test_the_reset_email_is_from_the_store_with_replies_to_its_contact_address(
    store_a, mailoutbox, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        update_profile(profile=store_profile(), contact_email="help@alpha.test")
        register_customer(email="reader@example.com", password="a long buyer password 17")
        with django_capture_on_commit_callbacks() as callbacks:
            request_password_reset(
                email="reader@example.com", site_url="http://alpha.localhost", store_name=store_a.name
            )
    [sent] = [
        callback for callback in callbacks if callback.keywords.get("kwargs", {}).get("to") == "reader@example.com"
    ]
    send_email.apply(kwargs=sent.keywords["kwargs"]).get()
    [message] = mailoutbox
    assert message.from_email == "Alpha Outfitters <no-reply@localhost>"
    assert message.reply_to == ["help@alpha.test"]
    assert message.subject == "Reset your password at Alpha Outfitters"
    assert "http://alpha.localhost/account/reset/" in message.body
