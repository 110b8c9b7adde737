"""Reads of stores and their hosts."""

from django.conf import settings
from django.core.exceptions import ValidationError

from platform.kit.hosts import site_url

from .host_cache import cached_store_for_host
from .models import ProvisioningJob, Store, StoreDomain
from .pods.selectors import schema_name_in_use
from .validators import SLUG_MAX_LENGTH, schema_name_for_slug, slug_from_name, validate_store_slug


def platform_hosts() -> frozenset[str]:
    """Host names that serve the platform site rather than a store."""
    return frozenset({settings.BASE_DOMAIN, f"www.{settings.BASE_DOMAIN}"})


def store_subdomain_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def store_for_host(host: str) -> Store | None:
    """The store answering on ``host`` (without port), or None when no store does; cached (host_cache)."""
    return cached_store_for_host(host)


def listed_stores() -> list[tuple[Store, str]]:
    """Stores shown on the platform home page, open for business, newest first, with their home URL."""
    stores = Store.objects.filter(status=Store.Status.ACTIVE).order_by("-created_at")
    primary_hosts = dict(
        StoreDomain.objects.filter(tenant__in=stores, is_primary=True).values_list("tenant_id", "domain")
    )
    return [(store, site_url(primary_hosts.get(store.pk, store_subdomain_host(store.slug)))) for store in stores]


# How many numbered variants ("acme-2" ... ) are tried before giving up on a name.
SUGGESTION_ATTEMPTS = 50


def slug_is_free(slug: str) -> bool:
    """Whether a new store could take ``slug`` now: valid, not reserved, no store, host, schema or queued sign-up."""
    try:
        validate_store_slug(slug)
    except ValidationError:
        return False
    waiting = (ProvisioningJob.Status.QUEUED, ProvisioningJob.Status.RUNNING)
    return not (
        Store.objects.filter(slug__iexact=slug).exists()
        or StoreDomain.objects.filter(domain__iexact=store_subdomain_host(slug)).exists()
        or ProvisioningJob.objects.filter(slug__iexact=slug, status__in=waiting).exists()
        or schema_name_in_use(schema_name_for_slug(slug))
    )


def suggest_store_slug(name: str) -> str:
    """A free subdomain for a store called ``name``: its own ("acme-ceramics"), else numbered ("acme-ceramics-2").

    The same rules as ``tenants.services.validate_new_store``, so a suggestion is one sign-up accepts; "" when no
    numbered variant is free either (the seller then types one).
    """
    base = slug_from_name(name)
    for number in range(1, SUGGESTION_ATTEMPTS + 1):
        suffix = "" if number == 1 else f"-{number}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if slug_is_free(candidate):
            return candidate
    return ""


def host_may_have_certificate(host: str) -> bool:
    """Whether the TLS proxy may obtain a certificate for ``host`` now (its on-demand "ask", docs/deploy.md).

    Yes only for a host a store open for business answers on: a seller's custom domain once verified (it became a
    StoreDomain), or the store's own subdomain (covered by the wildcard certificate in production, so asked about
    only where the base domain can't have one, like ``localhost``). A domain merely typed in (a DomainClaim), a
    suspended or closed store, the platform's own names (certificates of their own) and anything else get none,
    so nobody can make the proxy request certificates for names Mercato doesn't serve. Read from the database, not
    the routing cache: the proxy asks once per certificate, and a stale "yes" would outlive a removed domain.
    """
    host = host.strip().lower().rstrip(".")
    if not host or host in platform_hosts():
        return False
    return StoreDomain.objects.filter(domain=host, tenant__status=Store.Status.ACTIVE).exists()
