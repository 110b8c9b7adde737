"""The order's history: one writer of OrderEvent rows, used by every service that changes an order."""

from collections.abc import Callable, Sequence

from django.utils.translation import ngettext

from .models import Order, OrderEvent
from .timeline import Note, english_message

# Apps above orders that follow its timeline (reviews recomputes the store's reputation on a shipment or a
# cancellation) register here at start-up, so orders never imports them; called inside the event's transaction.
_event_listeners: list[Callable[[Order, str], None]] = []


def on_order_event(listener: Callable[[Order, str], None]) -> None:
    if listener not in _event_listeners:
        _event_listeners.append(listener)


def record_event(*, order: Order, kind: str, notes: Sequence[Note | str] = ()) -> None:
    """Add ``kind`` to the order's timeline with its notes (codes and values, shown in the reader's language)."""
    OrderEvent.objects.create(order=order, kind=kind, notes=list(notes), message=english_message(notes)[:500])
    for listener in _event_listeners:
        listener(order, kind)


def units_back_in_stock(count: int) -> str:
    """The timeline's words for restocked units: "1 unit back in stock", "3 units back in stock"."""
    return ngettext("%(count)d unit back in stock", "%(count)d units back in stock", count) % {"count": count}
