"""A store can't take a subdomain the platform uses: a service name, a page of its own, or a schema name."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver

from tenants.validators import RESERVED_SLUGS, validate_store_slug

# Hosts a platform like this one runs, or that mail clients, browsers and payment providers look up by name.
SERVICE_NAMES = [
    "api", "admin", "www", "mail", "smtp", "imap", "static", "media", "status", "help", "support", "billing", "pay",
    "checkout", "cdn", "assets", "auth", "login", "signup", "dashboard", "docs", "blog", "app", "stripe",
    "webhooks", "webhook", "connect", "oauth", "sso", "autoconfig", "autodiscover", "mta-sts", "wpad", "console",
    "sandbox", "search", "directory", "account", "accounts", "password-reset", "healthz", "metrics", "graphql",
]  # fmt: skip


def _first_segments(resolver: URLResolver, prefix: str = "") -> set[str]:
    """The first path segment of every URL a URLconf answers, as a subdomain would spell it."""
    segments = set()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        first = route.lstrip("^").split("/", 1)[0]
        if isinstance(pattern, URLResolver) and "/" not in route:
            segments |= _first_segments(pattern, route)
            continue
        first = re.sub(r"\.(txt|xml|json|css)$", "", first)
        if first and "<" not in first:
            segments.add(first.lower())
    return segments


def _route_names(resolver: URLResolver) -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name.replace("_", "-"))
        elif isinstance(pattern, URLResolver) and not pattern.namespace:
            names |= _route_names(pattern)
    return names


def test_every_first_path_segment_of_both_urlconfs_is_reserved():
    public = _first_segments(get_resolver(settings.PUBLIC_SCHEMA_URLCONF))
    store = _first_segments(get_resolver(settings.ROOT_URLCONF))
    assert {"signup", "admin", "billing", "search", "directory"} <= public  # the walk found the platform's pages
    assert {"dashboard", "api", "checkout", "products"} <= store
    assert sorted((public | store) - RESERVED_SLUGS) == []


def test_every_route_name_of_the_platform_site_is_reserved():
    names = _route_names(get_resolver(settings.PUBLIC_SCHEMA_URLCONF))
    assert "billing-stripe-webhook" in names and "signup-progress" in names
    assert sorted(names - RESERVED_SLUGS) == []


def test_every_service_name_is_reserved():
    assert sorted(set(SERVICE_NAMES) - RESERVED_SLUGS) == []


@pytest.mark.parametrize("slug", ["stripe", "webhooks", "checkout", "mta-sts", "mercato-help", "pg-stats", "store-1"])
def test_reserved_names_and_prefixes_are_refused_with_a_message(slug):
    with pytest.raises(ValidationError) as refused:
        validate_store_slug(slug)
    assert refused.value.messages == [f'"{slug}" is reserved. Please choose another name.']


@pytest.mark.parametrize("slug", ["alpha", "northwind-coffee", "stripes-and-dots", "webhook-farm", "pay-day-bakery"])
def test_ordinary_names_stay_free(slug):
    validate_store_slug(slug)
