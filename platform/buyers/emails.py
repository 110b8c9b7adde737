"""The texts of the emails a marketplace buyer account sends: confirm the address, already registered, reset."""

from django.utils.translation import gettext

from platform.kit.hosts import platform_url

# Each email is written while the request that asks for it is answered, so it is in that page's language.


def confirm_signup(*, token: str, hours: int) -> dict[str, str]:
    return {
        "subject": gettext("Confirm your Mercato account"),
        "body": gettext(
            "Someone, hopefully you, asked for a Mercato buyer account with this email address: one account for "
            "shopping in every Mercato store.\n\n"
            "Confirm it here (the link works once, for %(hours)d hours):\n"
            "%(link)s\n\n"
            "If it was not you, ignore this email: no account is made."
        )
        % {"hours": hours, "link": platform_url(f"/buyer/signup/confirm/{token}/")},
    }


def already_registered() -> dict[str, str]:
    return {
        "subject": gettext("You already have a Mercato account"),
        "body": gettext(
            "Someone, hopefully you, asked for a Mercato buyer account with this email address, which already has "
            "one.\n\n"
            "Sign in here: %(signin)s\n"
            "Forgot the password? Choose a new one: %(reset)s"
        )
        % {"signin": platform_url("/buyer/signin/"), "reset": platform_url("/buyer/reset/")},
    }


def password_reset(*, link: str) -> dict[str, str]:
    return {
        "subject": gettext("Reset your Mercato password"),
        "body": gettext(
            "Someone asked to reset the password of your Mercato buyer account.\n\n"
            "Choose a new password here (the link works once, for a few days):\n%(link)s\n\n"
            "If it was not you, ignore this email: your password stays as it is."
        )
        % {"link": link},
    }
