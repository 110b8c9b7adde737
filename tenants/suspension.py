"""What a suspended store may still do: read, pay its subscription and export its data, and nothing else.

``allows`` is the one check of that rule. The routing middleware asks it about every request to a suspended store
(dashboard pages and the seller API alike), and the background work a seller starts asks it before writing
(``ensure_allowed``), so a job queued before the suspension doesn't write after it.
"""

from django.core.exceptions import PermissionDenied

from .models import Store

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A suspended store answers only on its seller's side: the storefront, the buyer's API and checkout are offline.
SELLER_PATHS = ("/dashboard/", "/api/seller/")
# The writes still allowed, by URL name: signing in and out (to reach the billing page), paying the platform,
# and starting an export.
WRITES_ALLOWED = frozenset(
    {
        "dashboard-login",
        "dashboard-logout",
        "dashboard-billing",
        "dashboard-billing-cancel",
        "dashboard-billing-resume",
        "dashboard-billing-portal",
        "dashboard-export",
        "dashboard-product-export",
        "store-api:start_export",
    }
)


class StoreSuspended(PermissionDenied):
    """A write refused because the store is suspended; the message says why and what still works."""

    def __init__(self, store: Store) -> None:
        reason = Store.objects.filter(pk=store.pk).values_list("suspension_reason", flat=True).first() or ""
        because = f" ({reason.rstrip('.')})" if reason else ""
        super().__init__(
            f"{store.name} is suspended{because}. While it is suspended you can look at everything, pay your "
            "subscription and export your data; changes wait until the store is reactivated."
        )


def answers(store: Store, path: str) -> bool:
    """Whether ``store`` answers requests for ``path`` at all: every path while active, the seller's side otherwise."""
    if store.status == Store.Status.ACTIVE:
        return True
    if store.status != Store.Status.SUSPENDED:
        return False
    return path.startswith((*SELLER_PATHS, "/static/", f"/media/{store.schema_name}/"))


def allows(store: Store, *, method: str = "POST", action: str | None = None) -> bool:
    """Whether ``store`` may do what a request with ``method`` to the URL named ``action`` does (or a task's write).

    An active store may do anything; a suspended one may read, and make only the writes in ``WRITES_ALLOWED``.
    """
    if store.status != Store.Status.SUSPENDED:
        return True
    return method in READ_METHODS or action in WRITES_ALLOWED


def ensure_allowed(*, schema_name: str, action: str) -> None:
    """Raise ``StoreSuspended`` unless the store with ``schema_name`` may make this write now (read fresh, not cached:
    a task may run long after it was queued)."""
    store = Store.objects.filter(schema_name=schema_name).first()
    if store is not None and not allows(store, action=action):
        raise StoreSuspended(store)
