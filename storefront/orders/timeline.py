"""The order timeline's notes as codes with values, written in the reader's language when a page shows them.

A service records what happened as ``note("shipment_sent", carrier=..., tracking=...)``; the event keeps the code
and its values (``OrderEvent.notes``), never a sentence in one language, so the dashboard, the API and a buyer's
page each show it in their own language, and a sentence translated later reaches old events too. Events written
before the notes existed keep their English ``message`` and show it as it is.
"""

from collections.abc import Mapping, Sequence

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy, pgettext

# A note is [code, values]; a list of them makes one event's text, joined by the language's separator.
Note = list[object]

# Every sentence a note can be, with named placeholders so a translation can order them its own way. A plural one
# counts its ``count`` value. ``actor`` is who did it: "" (the store itself, a webhook, the worker) reads "the store".
NOTES: Mapping[str, Promise | str] = {
    "stock_held_until": gettext_lazy("Stock held until %(time)s UTC"),
    "checkout_started": gettext_lazy("Stripe Checkout %(session)s"),
    "test_mode_route": gettext_lazy(
        "test mode: the store has no Stripe account able to take charges, so the platform is paid, no fee"
    ),
    "paid_to_account": gettext_lazy("paid to %(account)s with a platform fee of %(fee)s (%(percent)s%%)"),
    "stripe_payment": gettext_lazy("Stripe payment %(payment)s"),
    "paid_after_cancel": gettext_lazy("Stripe reports payment %(payment)s after the order was cancelled; refund it."),
    "cancelled_before_payment": gettext_lazy("Cancelled by %(actor)s before payment."),
    "payment_page_expired": gettext_lazy("The Stripe payment page expired unpaid."),
    "reservation_ran_out": gettext_lazy("Nobody paid before the reservation ran out."),
    "payment_failed": gettext_lazy("Stripe: the %(method)s payment failed."),
    "released_by_marketplace": "%(reason)s",  # the reason alone, itself translated (TRANSLATED_VALUES)
    "refunded_to_buyer": gettext_lazy("%(amount)s to the buyer (Stripe refund %(refund)s)"),
    "items_restocked": gettext_lazy("items restocked"),
    "shipment_sent": gettext_lazy("%(carrier)s %(tracking)s: shipment %(shipment)s by %(actor)s, %(items)s"),
    "unsent_back_in_stock": gettext_lazy("the units not sent are back in stock"),
    "by_actor": gettext_lazy("by %(actor)s"),
    "shipment_delivered": gettext_lazy("shipment %(shipment)s (%(carrier)s %(tracking)s) by %(actor)s"),
    "units_back_in_stock": ngettext_lazy("%(count)d unit back in stock", "%(count)d units back in stock", "count"),
    "return_requested": gettext_lazy("return %(number)s: %(items)s; %(reason)s"),
    "return_by_actor": gettext_lazy("return %(number)s by %(actor)s"),
    "refunded_amount": gettext_lazy("refunded %(amount)s"),
    "return_refused": gettext_lazy("return %(number)s by %(actor)s: %(note)s"),
    "marketplace_paid": gettext_lazy(
        "Paid through the marketplace cart: %(amount)s transferred to your Stripe account (%(transfer)s), "
        "platform fee %(fee)s (%(percent)s%%)"
    ),
    "marketplace_unfilled_refund": gettext_lazy(
        "The marketplace payment arrived after this order was released: the platform refunded the buyer's "
        "%(amount)s %(currency)s for it (Stripe refund %(refund)s). Nothing was transferred to you and nothing is "
        "left to do."
    ),
    "marketplace_taken_back": gettext_lazy("%(amount)s taken back from the marketplace transfer (%(reversal)s)"),
}

# Values that are themselves fixed English words marked for translation where they are written (gettext_noop): the
# marketplace's reasons for releasing an order, the name of a way of paying ("card").
TRANSLATED_VALUES = {"released_by_marketplace": "reason", "payment_failed": "method"}


def note(code: str, **values: object) -> Note:
    """One note of an event; ``code`` must be one of ``NOTES`` (a typo fails here, in the service, not on a page)."""
    if code not in NOTES:
        raise ValueError(f"unknown order note {code!r}")
    return [code, {name: value if isinstance(value, int) else str(value) for name, value in values.items()}]


def _sentence(code: str, values: Mapping[str, object]) -> str:
    template = NOTES.get(code)
    if template is None:  # a code a later version dropped: its values still say something
        return ", ".join(str(value) for value in values.values())
    shown = dict(values)
    if "actor" in shown and not shown["actor"]:
        shown["actor"] = gettext("the store")
    translated = TRANSLATED_VALUES.get(code)
    if translated in shown:
        shown[translated] = gettext(str(shown[translated]))
    try:
        # The lazy template itself, not its text: a plural one picks its form from ``count`` when formatted.
        return str(template % shown)
    except (KeyError, TypeError, ValueError):
        return str(template)


def render_notes(notes: Sequence[Sequence[object] | str]) -> str:
    """The notes as one sentence in the active language ("by the store, 2 units back in stock")."""
    separator = pgettext("between an order event's notes", ", ")
    parts = []
    for item in notes:
        if isinstance(item, str):  # text given as it is, in no language in particular
            parts.append(item)
            continue
        code, values = (item[0], item[1]) if len(item) == 2 else (item[0], {})
        parts.append(_sentence(str(code), values if isinstance(values, Mapping) else {}))
    return separator.join(parts)


def english_message(notes: Sequence[Sequence[object] | str]) -> str:
    """The notes in English, for the ``message`` column that logs, archives and older readers see."""
    with translation.override("en"):
        return render_notes(notes)
