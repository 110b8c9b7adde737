"""Who hears that products changed: listeners registered at start-up, called inside the change's transaction.

The directory feed registers itself here (its AppConfig), so the catalog and the apps that price its products
(promotions), which everything else builds on, never import the apps that follow its products.
"""

from collections.abc import Callable, Iterable

_listeners: list[Callable[[list[int]], None]] = []


def listen_to_product_changes(listener: Callable[[list[int]], None]) -> None:
    """``listener`` gets the ids of the products that changed together (one or many)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce_product_change(product_id: int) -> None:
    announce_product_changes([product_id])


def announce_product_changes(product_ids: Iterable[int]) -> None:
    """Many products changed at once (a promotion started over a collection): one call, not one per product."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    for listener in _listeners:
        listener(ids)
