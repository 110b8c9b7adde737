"""Rules for store subdomains (slugs); the schema name is always derived from a slug that passed them."""

import re
import unicodedata

from django.core.exceptions import ValidationError

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 40
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Hosts the platform uses itself, and names PostgreSQL or django-tenants reserve for schemas.
RESERVED_SLUGS = frozenset(
    {
        "www", "admin", "api", "app", "static", "media", "mail", "public", "dashboard", "help", "support",
        "billing", "information-schema", "information_schema", "postgres", "template0", "template1",
        "root", "platform", "mercato", "status", "docs", "blog", "assets", "cdn", "smtp", "imap", "pop",
        "ftp", "ns1", "ns2", "localhost", "store", "stores", "signup", "login", "account", "accounts",
    }
)  # fmt: skip
_RESERVED_PREFIXES = ("pg-", "pg_", "store-")

# Cyrillic and Greek letters that look like Latin ones; NFKD leaves them alone, so they need a table.
_LOOK_ALIKES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u0501\u04cf\u03bf\u03b1\u03bd\u03c1\u03ba",
    "aeopcyxijsdloavpk",
)


def validate_store_slug(value: str) -> None:
    """Raise ValidationError with a message a seller understands when ``value`` can't be a subdomain."""
    if any(ord(char) > 127 for char in value):
        ascii_form = unicodedata.normalize("NFKD", value.translate(_LOOK_ALIKES)).encode("ascii", "ignore").decode()
        hint = f' Did you mean "{ascii_form.lower()}"?' if ascii_form else ""
        raise ValidationError(
            "Use only the plain letters a-z, digits and hyphens; accented or look-alike characters "
            f"aren't allowed in a web address.{hint}",
            code="non_ascii",
        )
    if value != value.lower():
        raise ValidationError("Use lowercase letters only.", code="uppercase")
    if not SLUG_MIN_LENGTH <= len(value) <= SLUG_MAX_LENGTH:
        raise ValidationError(f"Choose between {SLUG_MIN_LENGTH} and {SLUG_MAX_LENGTH} characters.", code="length")
    if not _SLUG_RE.match(value):
        raise ValidationError(
            "Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen.",
            code="invalid",
        )
    if value in RESERVED_SLUGS or value.startswith(_RESERVED_PREFIXES):
        raise ValidationError(f'"{value}" is reserved. Please choose another name.', code="reserved")


def schema_name_for_slug(slug: str) -> str:
    """The PostgreSQL schema of the store with this (already validated) slug."""
    validate_store_slug(slug)
    return "store_" + slug.replace("-", "_")
