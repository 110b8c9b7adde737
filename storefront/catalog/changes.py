"""Who hears that a product changed: listeners registered at start-up, called inside the change's transaction.

The directory feed registers itself here (its AppConfig), so the catalog, which everything else builds on,
never imports the apps that follow its products.
"""

from collections.abc import Callable

_listeners: list[Callable[[int], None]] = []


def listen_to_product_changes(listener: Callable[[int], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def announce_product_change(product_id: int) -> None:
    for listener in _listeners:
        listener(product_id)
