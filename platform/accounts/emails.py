"""The texts of the emails sign-up sends: the link that opens a store, or the note that the address has an account."""

from platform.kit.hosts import platform_url
from tenants.selectors import store_subdomain_host


def confirm_signup(*, store_name: str, token: str, hours: int) -> dict[str, str]:
    return {
        "subject": f"Open {store_name.strip()} on Mercato",
        "body": (
            f"Someone, hopefully you, asked to open the store {store_name.strip()} on Mercato with this email "
            "address.\n\n"
            f"Open it here (the link works once, for {hours} hours):\n{platform_url(f'/signup/confirm/{token}/')}\n\n"
            "If it wasn't you, ignore this email: nothing is made until the link is opened."
        ),
    }


def already_registered(*, store_name: str, slug: str) -> dict[str, str]:
    return {
        "subject": "You already have a Mercato account",
        "body": (
            f"Someone, hopefully you, asked to open the store {store_name.strip()} ({store_subdomain_host(slug)}) "
            "on Mercato with this email address, which already has an account.\n\n"
            "To add the store to your account, sign up again with your account's password: the store is made at "
            f"once.\n{platform_url('/signup/')}\n\n"
            f"Forgot your password? Choose a new one here:\n{platform_url('/password-reset/')}\n\n"
            "If it wasn't you, ignore this email: nothing was changed, and your password stays as it is."
        ),
    }
