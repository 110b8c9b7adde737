"""The texts of the emails a marketplace buyer account sends: confirm the address, already registered, reset."""

from platform.kit.hosts import platform_url


def confirm_signup(*, token: str, hours: int) -> dict[str, str]:
    return {
        "subject": "Confirm your Mercato account",
        "body": (
            "Someone, hopefully you, asked for a Mercato buyer account with this email address: one account for "
            "shopping in every Mercato store.\n\n"
            f"Confirm it here (the link works once, for {hours} hours):\n"
            f"{platform_url(f'/buyer/signup/confirm/{token}/')}\n\n"
            "If it was not you, ignore this email: no account is made."
        ),
    }


def already_registered() -> dict[str, str]:
    return {
        "subject": "You already have a Mercato account",
        "body": (
            "Someone, hopefully you, asked for a Mercato buyer account with this email address, which already has "
            "one.\n\n"
            f"Sign in here: {platform_url('/buyer/signin/')}\n"
            f"Forgot the password? Choose a new one: {platform_url('/buyer/reset/')}"
        ),
    }


def password_reset(*, link: str) -> dict[str, str]:
    return {
        "subject": "Reset your Mercato password",
        "body": (
            "Someone asked to reset the password of your Mercato buyer account.\n\n"
            f"Choose a new password here (the link works once, for a few days):\n{link}\n\n"
            "If it was not you, ignore this email: your password stays as it is."
        ),
    }
