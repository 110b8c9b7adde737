"""What the dashboard's overview shows: the setup checklist, read from the store's own state, and its first figures.

Nothing here records that a seller clicked a step: each step is done when the store really has what it asks for
(a product, a shipping rate, a connected payments account, a look of its own, a storefront that can sell), so a
step undone later (the last product deleted) shows as to do again.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from billing.connect import payments_overview
from storefront.catalog.models import Product
from storefront.checkout.models import ShippingRate
from storefront.orders.reports import SalesOverview, sales_overview
from storefront.themes.registry import DEFAULT_THEME, THEMES
from storefront.themes.selectors import store_currency, store_profile
from tenants.models import Store


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    hint: str
    url: str
    link_label: str
    done: bool


@dataclass(frozen=True)
class SetupChecklist:
    steps: list[SetupStep]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)


def _has_own_look() -> bool:
    """Whether the seller has made the store's look their own: another theme, their colours or a logo."""
    profile = store_profile()
    default = THEMES[DEFAULT_THEME]
    return (
        profile.theme != DEFAULT_THEME
        or profile.primary_colour.lower() != default.default_primary
        or profile.accent_colour.lower() != default.default_accent
        or bool(profile.logo)
    )


def setup_checklist(store: Store) -> SetupChecklist:
    """The five steps from a new store to one that sells, each ticked from what the store has now."""
    has_product = Product.objects.exists()
    sellable = Product.objects.filter(status=Product.Status.ACTIVE).exists()
    has_shipping = ShippingRate.objects.exists()
    payments = payments_overview(store)
    is_open = store.status == Store.Status.ACTIVE and sellable and has_shipping and payments.takes_orders
    steps = [
        SetupStep(
            "product",
            _("Add a product"),
            _("A title, a price and a picture are enough to start."),
            "/dashboard/products/new/",
            _("Add a product"),
            has_product,
        ),
        SetupStep(
            "shipping",
            _("Set up shipping"),
            _("Say where you ship and what it costs; checkout offers only the rates you set."),
            "/dashboard/shipping/",
            _("Set shipping rates"),
            has_shipping,
        ),
        SetupStep(
            "payments",
            _("Connect payments"),
            _("Connect a Stripe account so buyers' payments reach you."),
            "/dashboard/payments/",
            _("Connect payments"),
            payments.connected,
        ),
        SetupStep(
            "theme",
            _("Choose a theme"),
            _("Pick a theme, your colours or a logo so the store looks like yours."),
            "/dashboard/settings/",
            _("Choose a theme"),
            _has_own_look(),
        ),
        SetupStep(
            "open",
            _("Open your store"),
            _("Buyers can order once a product is active, shipping is set and payments can be taken."),
            "/",
            _("View your store"),
            is_open,
        ),
    ]
    return SetupChecklist(steps)


@dataclass(frozen=True)
class OverviewFigures:
    products: int
    active_products: int
    sales: SalesOverview

    @property
    def has_sales(self) -> bool:
        return self.sales.orders > 0 or self.sales.gross > Decimal("0")


def overview_figures() -> OverviewFigures:
    """The overview's numbers for the last 30 days, zeros included (a new store sees what will fill in)."""
    return OverviewFigures(
        products=Product.objects.count(),
        active_products=Product.objects.filter(status=Product.Status.ACTIVE).count(),
        sales=sales_overview(currency=store_currency()),
    )
