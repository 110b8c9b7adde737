"""Reads of stores and their hosts."""

from django.conf import settings

from platform.kit.hosts import site_url

from .host_cache import cached_store_for_host
from .models import Store, StoreDomain


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
