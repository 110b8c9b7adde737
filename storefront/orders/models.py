"""Orders, their lines and their timeline; an order is paid only when Stripe says so."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Cast, Upper
from django.utils.translation import gettext_lazy as _

from storefront.catalog.models import ProductVariant, money_field

from .tracking import tracking_link

# The statuses of an order still to ship (paid with nothing sent, or part sent): the list's "To ship" filter and the
# partial index that answers it, which must state the same set. Values of Order.Status, which is defined below.
TO_SHIP_STATUSES = ("paid", "partially_fulfilled")


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        # Some units were sent, some are still to ship.
        PARTIALLY_FULFILLED = "partially_fulfilled", _("Partly fulfilled")
        # Every unit there is to send was sent (units given back to stock before shipping are not waited for).
        FULFILLED = "fulfilled", _("Fulfilled")
        # Fulfilled, and every shipment reached the buyer.
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    class Stock(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        COMMITTED = "committed", _("Committed")
        RELEASED = "released", _("Released")

    # The secret in the buyer's link (/orders/<token>/): whoever has it may see the order, nobody can guess it.
    token = models.CharField(max_length=64, unique=True)
    # The checkout form's one-time key: a double click or a retried POST finds this order instead of making another.
    checkout_key = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    # Where the buyer placed it (scheme and host), for the links in emails sent later by a task.
    site_url = models.CharField(max_length=300)
    # Emptied once the order is paid; kept until then so a failed payment leaves the buyer's cart as it was.
    cart = models.ForeignKey("cart.Cart", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    stock_state = models.CharField(max_length=10, choices=Stock.choices, default=Stock.RESERVED)
    currency = models.CharField(max_length=3)
    ship_name = models.CharField(max_length=200)
    ship_line1 = models.CharField(max_length=200)
    ship_line2 = models.CharField(max_length=200, blank=True)
    ship_city = models.CharField(max_length=100)
    # State, province or territory code where the country's addresses have one (checkout.regions); else empty.
    ship_region = models.CharField(max_length=100, blank=True, default="")
    ship_postal_code = models.CharField(max_length=20)
    # Chinese addresses only (checkout.regions): the district or county, and the recipient's mobile number.
    ship_district = models.CharField(max_length=100, blank=True, default="")
    ship_phone = models.CharField(max_length=20, blank=True, default="")
    ship_country = models.CharField(max_length=2)
    shipping_method = models.CharField(max_length=100)
    # The free-shipping promotion that made shipping_total 0 ("" for none), kept as it was when the order was placed.
    shipping_promotion = models.CharField(max_length=100, blank=True, default="")
    discount_code = models.CharField(max_length=40, blank=True)
    # The store's sponsored campaign (storefront.sponsored.Campaign id) whose click brought the buyer, if one did.
    sponsored_campaign_id = models.BigIntegerField(null=True, blank=True)
    prices_include_tax = models.BooleanField(default=False)
    subtotal = money_field()
    discount_total = money_field()
    shipping_total = money_field()
    tax_total = money_field()
    total = money_field()
    # Money given back through Stripe so far; the order's status stays as it was (a refund is not a state).
    refunded_total = money_field(default=0)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent = models.CharField(max_length=255, blank=True)
    # Why Stripe said the payment failed (a wallet declined it), shown to the buyer on the cancelled order's page.
    payment_failure = models.CharField(max_length=300, blank=True, default="")
    # Until then the reserved stock is held for this buyer; afterwards orders.release_expired_reservations frees it.
    reserved_until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # When the last unit to send was sent (the order became fulfilled); each shipment keeps its own time.
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "reserved_until"]),
            # The seller's order list, newest first, unfiltered or by a range of days: a page is read off the index.
            models.Index(fields=["-created_at", "-id"], name="orders_newest"),
            # ... filtered by status (and the fulfilment filters, which are sets of statuses): the page, and the
            # count of matching orders from the index alone.
            models.Index(fields=["status", "-created_at", "-id"], name="orders_status_newest"),
            # "To ship" (paid, or partly sent), newest first: the filter's exact WHERE and ORDER BY, so its page is
            # the index's first rows even when the orders still to ship are a few among years of delivered ones
            # (the status index above would gather every one of them and sort).
            models.Index(
                fields=["-created_at", "-id"],
                name="orders_to_ship_newest",
                condition=models.Q(status__in=TO_SHIP_STATUSES),
            ),
            # The sales overview's window of paid orders, covering what its day totals read: an index-only scan.
            models.Index(
                fields=["paid_at"],
                include=["id", "status", "currency", "total", "refunded_total"],
                name="orders_paid",
                condition=models.Q(paid_at__isnull=False),
            ),
            # The list's search by part of the buyer's email or name (``icontains``: UPPER(col::text) LIKE …);
            # trigrams (pg_trgm, installed in the public schema) let it skip the orders that can't match.
            GinIndex(OpClass(Upper(Cast("email", models.TextField())), name="gin_trgm_ops"), name="orders_email_trgm"),
            GinIndex(
                OpClass(Upper(Cast("ship_name", models.TextField())), name="gin_trgm_ops"), name="orders_name_trgm"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gt=0), name="orders_order_total_gt_0"),
            models.CheckConstraint(
                condition=models.Q(refunded_total__lte=models.F("total")), name="orders_refunded_lte_total"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid") | models.Q(stock_state="committed"),
                name="orders_paid_order_has_committed_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk}"

    @property
    def refund_state(self) -> str:
        """ "" when nothing was given back, else "partially_refunded" or "refunded" (all of the total)."""
        if not self.refunded_total:
            return ""
        return "refunded" if self.refunded_total >= self.total else "partially_refunded"

    @property
    def refund_state_display(self) -> str:
        labels = {"refunded": _("Refunded in full"), "partially_refunded": _("Partly refunded")}
        return str(labels.get(self.refund_state, ""))


# Paid and not cancelled, whatever was sent since: such an order can be refunded.
PAID_STATUSES = (
    Order.Status.PAID,
    Order.Status.PARTIALLY_FULFILLED,
    Order.Status.FULFILLED,
    Order.Status.DELIVERED,
)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Kept as text too: the order must still read right after the product is edited or deleted.
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, related_name="+")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    unit_price = money_field()
    quantity = models.PositiveIntegerField()
    line_total = money_field()
    # The automatic promotions that priced unit_price (names joined by " + ", "" for none) and what they took off
    # the whole line (list price x quantity - line_total): the order keeps them as they were when it was placed.
    promotion_name = models.CharField(max_length=300, blank=True, default="")
    promotion_discount = money_field(default=0)
    # How many units this line took from the variant's stock (0 for untracked variants).
    reserved_quantity = models.PositiveIntegerField(default=0)
    # How many of those units went back to stock since (a release, a restocking refund, cancellation or return):
    # whatever puts units back gives only reserved_quantity - restocked_quantity, so no unit is restocked twice.
    restocked_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(restocked_quantity__lte=models.F("reserved_quantity")),
                name="orders_line_restocked_lte_reserved",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    class Kind(models.TextChoices):
        PLACED = "placed", _("Order placed")
        PAYMENT_STARTED = "payment_started", _("Payment started")
        PAID = "paid", _("Paid")
        RELEASED = "released", _("Reservation released")
        # A shipment that leaves units still to send; the one that sends the last of them is "fulfilled".
        SHIPPED = "shipped", _("Shipped in part")
        FULFILLED = "fulfilled", _("Fulfilled")
        SHIPMENT_DELIVERED = "shipment_delivered", _("Shipment delivered")
        DELIVERED = "delivered", _("Delivered")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled by the store")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        RETURN_ACCEPTED = "return_accepted", _("Return accepted")
        RETURN_REFUSED = "return_refused", _("Return refused")
        NOTE = "note", _("Note")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the event adds, as [code, values] pairs (storefront.orders.timeline): shown in each reader's language.
    # ``message`` holds the same in English for logs and archives; events older than the notes have only it.
    notes = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # The paid and released transitions happen once, whatever replays a webhook or a return visit makes.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=models.Q(kind__in=["placed", "paid", "released", "fulfilled", "delivered", "cancelled"]),
                name="orders_event_once_per_transition",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.kind}"

    @property
    def text(self) -> str:
        """The event's notes in the active language; an event recorded before notes existed shows its message."""
        from .timeline import render_notes  # the timeline's sentences import nothing of the models

        return render_notes(self.notes) if self.notes else self.message


class Refund(models.Model):
    """Money given back for an order through Stripe, once per refund form submitted."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    # The refund form's one-time key: a double click finds this refund (and Stripe replays the same one).
    request_key = models.CharField(max_length=64, unique=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True)
    amount = money_field()
    restocked = models.BooleanField(default=False)
    actor = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="orders_refund_amount_gt_0")]

    def __str__(self) -> str:
        return f"{self.stripe_refund_id} ({self.amount})"


class ReturnRequest(models.Model):
    """A buyer's request to send some units back, and the store's answer to it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting the store's answer")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="return_requests")
    # The return form's one-time key: a double click finds this request instead of asking twice.
    request_key = models.CharField(max_length=64, unique=True)
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    seller_note = models.CharField(max_length=500, blank=True)
    refund = models.ForeignKey(Refund, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    restocked = models.BooleanField(default=False)
    decided_by = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"return {self.pk} of order {self.order_id} ({self.status})"


class ReturnLine(models.Model):
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="return_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orders_return_line_quantity_gt_0"),
            models.UniqueConstraint(fields=["return_request", "order_line"], name="orders_return_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"


class OrderEmail(models.Model):
    """The outbox of emails to the buyer, written in the same transaction as the change they announce.

    A task sends pending rows and marks them sent; the beat drains every store's outbox, so an email written
    while the broker or the worker was down still goes out, once.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Order confirmed")
        # One per shipment (the reference is the shipment's id).
        SHIPPED = "shipped", _("Order shipped")
        REFUNDED = "refunded", _("Refund made")
        CANCELLED = "cancelled", _("Order cancelled")
        DELIVERED = "delivered", _("Order delivered")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        RETURN_ACCEPTED = "return_accepted", _("Return accepted")
        RETURN_REFUSED = "return_refused", _("Return refused")
        # To the seller (the store's contact email, else its owner), not the buyer.
        SELLER_NEW_ORDER = "seller_new_order", _("New order (to the seller)")
        SELLER_RETURN_REQUESTED = "seller_return", _("Return requested (to the seller)")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Which occurrence of the kind: empty for once-per-order emails, the refund or return it is about otherwise.
    reference = models.CharField(max_length=64, blank=True, default="")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # The HTML alternative of ``body`` ("" for plain text only).
    html_body = models.TextField(blank=True, default="")
    # The store's name shown as the sender of an email to the buyer, and where their replies go; both empty on
    # the seller's own notifications, which come from the platform.
    from_name = models.CharField(max_length=100, blank=True, default="")
    reply_to = models.EmailField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A replayed webhook or a second click writes nothing new: each announcement exists once.
            models.UniqueConstraint(fields=["order", "kind", "reference"], name="orders_email_once_per_occasion")
        ]
        indexes = [models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="orders_email_pending")]

    def __str__(self) -> str:
        return f"{self.kind} email for order {self.order_id}"


class Shipment(models.Model):
    """Units of an order sent together in one parcel, with the carrier's tracking number."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    # The shipment form's one-time key: a double click or a retried API call finds this shipment.
    request_key = models.CharField(max_length=64, unique=True)
    carrier = models.CharField(max_length=100)
    tracking_number = models.CharField(max_length=100)
    # The seller's own tracking page, when the carrier is not one storefront.orders.tracking knows; else empty.
    tracking_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shipped_by = models.CharField(max_length=100, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"shipment {self.pk} of order {self.order_id}"

    @property
    def tracking_link(self) -> str:
        """Where the buyer follows the parcel: the seller's own URL, or the known carrier's page, or ""."""
        return tracking_link(carrier=self.carrier, tracking_number=self.tracking_number, custom_url=self.tracking_url)


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orders_shipment_line_quantity_gt_0"),
            models.UniqueConstraint(fields=["shipment", "order_line"], name="orders_shipment_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"


class DailySales(models.Model):
    """One day's counted sales in one currency (the rule in ``reports``), the day in the store's time zone.

    Kept by ``sales_days.refresh_sales_days`` in the transaction of every change that moves a figure (payment,
    refund, cancellation of a paid order), so the sales overview reads thirty rows instead of the orders.
    """

    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField()
    gross = money_field()
    refunded = money_field()

    class Meta:
        ordering = ["day", "currency"]
        constraints = [models.UniqueConstraint(fields=["currency", "day"], name="orders_dailysales_one_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.currency}: {self.orders} orders"


class DailyProductSales(models.Model):
    """What one SKU sold on one day in one currency, kept with ``DailySales`` for the overview's top products."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    sku = models.CharField(max_length=64)
    # The greatest title the SKU's lines of the day were sold under (one of them names the product).
    title = models.CharField(max_length=300)
    units = models.PositiveIntegerField()
    revenue = money_field()

    class Meta:
        ordering = ["day", "currency", "sku"]
        constraints = [
            # Column order: one SKU's days in a window (ProductSalesWindow's refresh) are one range of it.
            models.UniqueConstraint(fields=["currency", "sku", "day"], name="orders_dailyproductsales_one_per_sku")
        ]
        indexes = [
            # The window's days read from the index alone.
            models.Index(
                fields=["currency", "day"],
                include=["sku", "title", "units", "revenue"],
                name="orders_dailyproductsales_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency}: {self.units} x {self.sku}"


class SalesWindow(models.Model):
    """The last day (store's zone) of the thirty that ProductSalesWindow adds up; one row at most."""

    last_day = models.DateField()

    def __str__(self) -> str:
        return f"30 days to {self.last_day}"


class ProductSalesWindow(models.Model):
    """What one SKU sold in one currency over the thirty days ending ``SalesWindow.last_day``.

    The overview's top products are then ten rows read off an index, where adding up the window's days reads a
    row per SKU and day (40,000 at 100,000 orders). Kept by ``sales_days`` with the day totals: a day's refresh
    recomputes the SKUs it touched, and the first refresh of a new day rolls the whole window forward.
    """

    currency = models.CharField(max_length=3)
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    units = models.PositiveIntegerField()
    revenue = money_field()

    class Meta:
        ordering = ["currency", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "sku"], name="orders_productsaleswindow_one_per_sku")
        ]
        indexes = [
            # The two top-ten lists, each in its own order: read off the index, nothing sorted.
            models.Index(fields=["currency", "-revenue", "-units", "sku"], name="orders_window_by_revenue"),
            models.Index(fields=["currency", "-units", "-revenue", "sku"], name="orders_window_by_units"),
        ]

    def __str__(self) -> str:
        return f"{self.currency}: {self.units} x {self.sku}"
