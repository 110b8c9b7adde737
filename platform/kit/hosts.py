"""Absolute URLs on the platform site and on store hosts, with the configured scheme and port."""

from django.conf import settings


def site_url(host: str, path: str = "/") -> str:
    port = "" if settings.SITE_PORT in ("", "80", "443") else f":{settings.SITE_PORT}"
    return f"{settings.SITE_SCHEME}://{host}{port}{path}"


def platform_url(path: str = "/") -> str:
    return site_url(settings.BASE_DOMAIN, path)
