"""The one door from a store's code to marketplace buyer accounts: the hand-off and the order history feed.

``storefront`` may import this module and nothing else of the app (an import contract in pyproject.toml); what it
learns is a ``HandedOver`` (id, email, name), never a model.
"""

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from platform.kit.hosts import platform_url
from tenants.models import Store

from . import services
from .services import HandedOver

__all__ = ["HandedOver", "forget_store_orders", "record_store_order", "redeem_store_signin", "signin_start_url"]


def signin_start_url(*, store: Store, host: str, state: str, next_path: str) -> str:
    """The platform page that signs the buyer in there (if needed) and hands them back to ``store`` with a token,
    on ``host`` (the one of the store's hosts the flow began on, where its state is kept)."""
    query = urlencode({"state": state, "next": next_path, "host": host})
    return platform_url(f"/buyer/stores/{store.slug}/signin/?{query}")


def redeem_store_signin(*, token: str, store: Store) -> HandedOver:
    """Who a hand-off token for ``store`` names; PermissionDenied when it is not genuine, fresh, unused and ours."""
    return services.redeem_store_signin_token(token=token, store=store)


def record_store_order(
    *,
    store: Store,
    buyer_id: int,
    number: int,
    total: Decimal,
    currency: str,
    status: str,
    status_label: str,
    placed_at: datetime,
    link: str,
) -> None:
    services.record_store_order(
        store=store,
        buyer_id=buyer_id,
        number=number,
        total=total,
        currency=currency,
        status=status,
        status_label=status_label,
        placed_at=placed_at,
        link=link,
    )


def forget_store_orders(*, store: Store, buyer_id: int) -> None:
    services.forget_store_orders(store=store, buyer_id=buyer_id)
