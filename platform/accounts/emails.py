"""The texts of the emails sign-up sends: the link that opens a store, or the note that the address has an account."""

from django.utils.translation import gettext

from platform.kit.hosts import platform_url
from tenants.selectors import store_subdomain_host

# Each email is written while the sign-up request is answered, so it is in that page's language.


def confirm_signup(*, store_name: str, token: str, hours: int) -> dict[str, str]:
    return {
        "subject": gettext("Open %(store)s on Mercato") % {"store": store_name.strip()},
        "body": gettext(
            "Someone, hopefully you, asked to open the store %(store)s on Mercato with this email address.\n\n"
            "Open it here (the link works once, for %(hours)d hours):\n%(link)s\n\n"
            "If it wasn't you, ignore this email: nothing is made until the link is opened."
        )
        % {"store": store_name.strip(), "hours": hours, "link": platform_url(f"/signup/confirm/{token}/")},
    }


def already_registered(*, store_name: str, slug: str) -> dict[str, str]:
    return {
        "subject": gettext("You already have a Mercato account"),
        "body": gettext(
            "Someone, hopefully you, asked to open the store %(store)s (%(host)s) on Mercato with this email "
            "address, which already has an account.\n\n"
            "To add the store to your account, sign up again with your account's password: the store is made at "
            "once.\n%(signup)s\n\n"
            "Forgot your password? Choose a new one here:\n%(reset)s\n\n"
            "If it wasn't you, ignore this email: nothing was changed, and your password stays as it is."
        )
        % {
            "store": store_name.strip(),
            "host": store_subdomain_host(slug),
            "signup": platform_url("/signup/"),
            "reset": platform_url("/password-reset/"),
        },
    }
