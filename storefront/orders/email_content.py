"""What an order email to the buyer says: its paragraphs, and the order's full breakdown, as plain text and HTML."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from platform.kit.money import format_amount

from .models import Order


def money(order: Order, amount: Decimal) -> str:
    """ "12.50 USD": the amount as the order's currency writes it, and the currency."""
    return f"{format_amount(Decimal(amount), currency=order.currency)} {order.currency}"


def order_link(order: Order) -> str:
    return f"{order.site_url}/orders/{order.token}/"


@dataclass(frozen=True)
class BreakdownLine:
    title: str  # the product and its variant, as bought: "Field Shirt (M / Red)"
    sku: str
    quantity: int
    unit_price: str
    line_total: str


@dataclass(frozen=True)
class Breakdown:
    lines: list[BreakdownLine]
    # (label, amount) from the subtotal to the total, as the order page shows them.
    summary: list[tuple[str, str]]


def breakdown(order: Order) -> Breakdown:
    """Each line with its unit price and total, then subtotal, discount, shipping, tax and total."""
    lines = [
        BreakdownLine(
            title=line.title,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=money(order, line.unit_price),
            line_total=money(order, line.line_total),
        )
        for line in order.lines.all()
    ]
    summary = [(_("Subtotal"), money(order, order.subtotal))]
    if order.discount_total:
        label = _("Discount (%(code)s)") % {"code": order.discount_code} if order.discount_code else _("Discount")
        summary.append((label, f"-{money(order, order.discount_total)}"))
    summary.append((_("Shipping (%(method)s)") % {"method": order.shipping_method}, money(order, order.shipping_total)))
    summary.append((_("Tax included") if order.prices_include_tax else _("Tax"), money(order, order.tax_total)))
    summary.append((_("Total"), money(order, order.total)))
    if order.refunded_total:
        summary.append((_("Refunded"), money(order, order.refunded_total)))
    return Breakdown(lines=lines, summary=summary)


def _text_breakdown(order: Order, found: Breakdown) -> list[str]:
    text = [_("Order #%(number)s") % {"number": order.pk}, ""]
    for line in found.lines:
        text.append(_("%(title)s (SKU %(sku)s)") % {"title": line.title, "sku": line.sku})
        text.append(f"  {line.quantity} x {line.unit_price} = {line.line_total}")
    text.append("")
    text += [f"{label}: {amount}" for label, amount in found.summary]
    return text


@dataclass(frozen=True)
class OrderMessage:
    """One email's content: paragraphs first, then (optionally) the breakdown, then the order's link."""

    paragraphs: list[str]
    with_breakdown: bool = True
    after: list[str] = field(default_factory=list)

    def render(self, order: Order, *, store_name: str) -> tuple[str, str]:
        """(plain text, HTML) of the email."""
        found = breakdown(order) if self.with_breakdown else None
        text: list[str] = []
        for paragraph in self.paragraphs:
            text += [paragraph, ""]
        if found is not None:
            text += [*_text_breakdown(order, found), ""]
        for paragraph in self.after:
            text += [paragraph, ""]
        text += [_("See your order at any time: %(link)s") % {"link": order_link(order)}, "", f"— {store_name}"]
        html = render_to_string(
            "emails/order.html",
            {
                "store_name": store_name,
                "order": order,
                "paragraphs": self.paragraphs,
                "breakdown": found,
                "after": self.after,
                "link": order_link(order),
            },
        )
        return "\n".join(text), html
