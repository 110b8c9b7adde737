"""Rules for store subdomains (slugs); the schema name is always derived from a slug that passed them."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 40
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Names a store may not take as its subdomain, in three groups. The test in tests/tenants/test_slug_rules.py
# checks that every first path segment and URL name of both URLconfs is in here, so a new page can't be shadowed
# by a store that took its name.
#
# Hosts the platform runs or may run (mail, DNS, APIs, payments and the services that probe a domain by name:
# autoconfig/autodiscover for mail clients, wpad/isatap for proxy discovery, mta-sts for mail security).
SERVICE_NAMES = frozenset(
    {
        "www", "www1", "www2", "api", "apis", "app", "apps", "admin", "administrator", "console", "backoffice",
        "static", "media", "assets", "cdn", "images", "img", "files", "uploads", "download", "downloads",
        "mail", "email", "webmail", "smtp", "imap", "pop", "pop3", "mx", "mta-sts", "autoconfig", "autodiscover",
        "postmaster", "hostmaster", "webmaster", "abuse", "noreply", "no-reply", "bounce", "bounces",
        "ftp", "sftp", "ssh", "vpn", "ns", "ns1", "ns2", "ns3", "ns4", "dns", "ntp", "ldap", "proxy", "wpad",
        "isatap", "gateway", "origin", "edge", "internal", "intranet", "localhost", "local", "broadcasthost",
        "status", "health", "healthz", "metrics", "monitoring", "logs", "sentry", "grafana", "prometheus",
        "help", "support", "docs", "developer", "developers", "blog", "news", "press", "about", "legal", "terms",
        "privacy", "security", "careers", "jobs", "contact",
        "billing", "pay", "payment", "payments", "checkout", "invoice", "invoices", "refund", "refunds",
        "stripe", "paypal", "connect", "webhook", "webhooks", "hooks", "callback", "callbacks", "oauth", "sso",
        "auth", "id", "identity", "login", "logout", "signin", "sign-in", "signup", "sign-up", "register",
        "account", "accounts", "my", "password", "password-reset", "dashboard", "seller", "sellers", "sell",
        "store", "stores", "shop", "shops", "marketplace", "search", "directory", "openapi", "swagger", "redoc",
        "graphql", "ws", "wss", "socket", "rss", "feed", "feeds", "sitemap", "robots", "favicon", "well-known",
        "dev", "development", "staging", "stage", "test", "testing", "sandbox", "demo", "preview", "qa", "prod",
        "production", "root", "system", "platform", "mercato",
    }
)  # fmt: skip
# The first path segments and the route names of the store and platform URLconfs, so a subdomain never looks like
# one of the platform's own pages (checkout.<domain>, orders.<domain>).
PATH_NAMES = frozenset(
    {
        "products", "collections", "pages", "cart", "orders", "platform-home", "platform-health", "favicon", "favicon.ico",
        "platform-favicon", "platform-ready", "readyz", "tls-ask",
        "platform-metrics",
        "signup-progress", "signup-confirm", "signup-subdomain", "open-store", "password-reset-sent", "password-reset-confirm", "billing-stripe-webhook",
        "directory-search", "directory-search-json", "directory-stores", "reputation",
        "language", "set-language", "storefront-set-language",
        "buyer", "buyer-account", "buyer-signup", "buyer-signup-confirm", "buyer-signin", "buyer-signout",
        "buyer-password-reset", "buyer-password-reset-confirm", "buyer-add-address", "buyer-remove-address",
        "buyer-default-address", "buyer-favourite", "buyer-unfavourite", "buyer-follow", "buyer-unfollow",
        "buyer-store-signin", "buyer-delete",
        "sponsored", "directory-sponsored-click",
        "marketplace-cart", "marketplace-cart-add", "marketplace-cart-line", "marketplace-checkout",
    }
)  # fmt: skip
# Names PostgreSQL or django-tenants reserve for schemas.
DATABASE_NAMES = frozenset({"public", "information-schema", "information_schema", "postgres", "template0", "template1"})
RESERVED_SLUGS = SERVICE_NAMES | PATH_NAMES | DATABASE_NAMES
_RESERVED_PREFIXES = ("pg-", "pg_", "store-", "mercato-")

# Cyrillic and Greek letters that look like Latin ones; NFKD leaves them alone, so they need a table.
_LOOK_ALIKES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u04cf\u03bf\u03b1\u03bd\u03c1\u03ba",
    "aeopcyxijsdloavpk",
)


def validate_store_slug(value: str) -> None:
    """Raise ValidationError with a message a seller understands when ``value`` can't be a subdomain."""
    if any(ord(char) > 127 for char in value):
        ascii_form = unicodedata.normalize("NFKD", value.translate(_LOOK_ALIKES)).encode("ascii", "ignore").decode()
        message = gettext(
            "Use only the plain letters a-z, digits and hyphens; accented or look-alike characters aren't allowed "
            "in a web address."
        )
        if ascii_form:
            message += " " + gettext('Did you mean "%(slug)s"?') % {"slug": ascii_form.lower()}
        raise ValidationError(
            message,
            code="non_ascii",
        )
    if value != value.lower():
        raise ValidationError(gettext("Use lowercase letters only."), code="uppercase")
    if not SLUG_MIN_LENGTH <= len(value) <= SLUG_MAX_LENGTH:
        raise ValidationError(
            gettext("Choose between %(low)d and %(high)d characters.")
            % {"low": SLUG_MIN_LENGTH, "high": SLUG_MAX_LENGTH},
            code="length",
        )
    if not _SLUG_RE.match(value):
        raise ValidationError(
            gettext("Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen."),
            code="invalid",
        )
    if value in RESERVED_SLUGS or value.startswith(_RESERVED_PREFIXES):
        raise ValidationError(
            gettext('"%(slug)s" is reserved. Please choose another name.') % {"slug": value}, code="reserved"
        )


def schema_name_for_slug(slug: str) -> str:
    """The PostgreSQL schema of the store with this (already validated) slug."""
    validate_store_slug(slug)
    return "store_" + slug.replace("-", "_")


# A name that leaves no usable letters ("!!!", "東京") is given this subdomain to start from.
FALLBACK_SLUG = "my-store"


def slug_from_name(name: str) -> str:
    """The subdomain a store's name reads as, by the rules above ("Acme Ceramics" -> "acme-ceramics"); not checked
    against the names already taken (``tenants.selectors.suggest_store_slug`` does that)."""
    ascii_form = unicodedata.normalize("NFKD", name.translate(_LOOK_ALIKES)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_form.lower().replace("&", " and ")).strip("-")
    slug = slug[:SLUG_MAX_LENGTH].rstrip("-")
    for prefix in _RESERVED_PREFIXES:
        if slug.startswith(prefix):
            # "store-nine" can't be had, "storenine" can: the prefix's hyphen is what makes it reserved.
            slug = prefix[:-1] + slug[len(prefix) :]
    if len(slug) < SLUG_MIN_LENGTH:
        slug = f"{slug}-store" if slug else FALLBACK_SLUG
    return slug
