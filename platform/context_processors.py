"""Template context shared by every page: the platform's own address and the current store, if any."""

from django.conf import settings
from django.http import HttpRequest

from platform.kit.hosts import platform_url


def site(request: HttpRequest) -> dict:
    return {
        "platform_url": platform_url(),
        "base_domain": settings.BASE_DOMAIN,
        "store": getattr(request, "store", None),
    }
