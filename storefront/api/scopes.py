"""What each seller API token may do: the scopes, who may grant them, and which endpoint needs which one."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from tenants.models import Role

CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"
ORDERS_REFUND = "orders:refund"

# In the order the dashboard lists them; a token's scopes are stored in this order too.
ALL_SCOPES: tuple[str, ...] = (CATALOG_READ, CATALOG_WRITE, ORDERS_READ, ORDERS_WRITE, ORDERS_REFUND)
SCOPE_LABELS = {
    CATALOG_READ: _("Read products, stock, collections and catalog exports"),
    CATALOG_WRITE: _("Change products, variants, pictures, stock and collections; import CSV"),
    ORDERS_READ: _("Read orders, with buyers' addresses"),
    ORDERS_WRITE: _("Fulfil orders (record shipments)"),
    ORDERS_REFUND: _("Refund and cancel orders (money goes back through Stripe)"),
}

# A person grants a token no more than their dashboard role lets them do themselves: refunds and cancellations
# need the manager role on the order pages, so staff cannot mint a token that does them either.
GRANTABLE_BY_ROLE: dict[str, frozenset[str]] = {
    Role.STAFF: frozenset({CATALOG_READ, ORDERS_READ, ORDERS_WRITE}),
    Role.MANAGER: frozenset(ALL_SCOPES),
    Role.OWNER: frozenset(ALL_SCOPES),
}

# Endpoints whose scope is not their router's default for the HTTP method (GET reads, anything else writes),
# keyed as the OpenAPI document names them. Managing tokens needs a token that could do everything a manager can,
# so a narrow token cannot list or revoke a wider one.
SCOPE_OVERRIDES: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/seller/catalog/exports"): (CATALOG_READ,),  # starts a job that only reads the catalog
    ("POST", "/seller/orders/{number}/refund"): (ORDERS_REFUND,),
    ("POST", "/seller/orders/{number}/cancel"): (ORDERS_REFUND,),
    ("GET", "/seller/tokens"): ALL_SCOPES,
    ("DELETE", "/seller/tokens/{token_id}"): ALL_SCOPES,
}
# Words that mark money going back to the buyer: a change to a path with one of them needs orders:refund even
# when it is not listed above, so a new refund or cancel endpoint is never open to a fulfilment-only token.
MONEY_BACK_WORDS = ("refund", "cancel")


def grantable_scopes(role: str) -> frozenset[str]:
    """The scopes a member with ``role`` may put on a token they create."""
    return GRANTABLE_BY_ROLE.get(role, frozenset())


def ordered(scopes: Iterable[str]) -> list[str]:
    """``scopes`` without repeats, in the canonical order (unknown names are left out)."""
    chosen = set(scopes)
    return [scope for scope in ALL_SCOPES if scope in chosen]


def lacking_message(missing: Iterable[str]) -> str:
    names = list(missing)
    if len(names) == 1:
        return f"This API token lacks the {names[0]} scope."
    return f"This API token lacks the {', '.join(names[:-1])} and {names[-1]} scopes."


def scopes_for(method: str, path: str, *, read: str, write: str) -> tuple[str, ...]:
    """The scopes an endpoint needs: its override, else ``read`` for GET and ``write`` (or refund) for the rest."""
    if (method, path) in SCOPE_OVERRIDES:
        return SCOPE_OVERRIDES[(method, path)]
    if method in ("GET", "HEAD"):
        return (read,)
    if any(word in path.lower() for word in MONEY_BACK_WORDS):
        return (ORDERS_REFUND,)
    return (write,)
