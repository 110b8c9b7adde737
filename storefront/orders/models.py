"""Orders, their lines and their timeline; an order is paid only when Stripe says so."""

from django.db import models

from storefront.catalog.models import ProductVariant, money_field


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"

    class Stock(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        COMMITTED = "committed", "Committed"
        RELEASED = "released", "Released"

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
    ship_postal_code = models.CharField(max_length=20)
    ship_country = models.CharField(max_length=2)
    shipping_method = models.CharField(max_length=100)
    discount_code = models.CharField(max_length=40, blank=True)
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
    # Until then the reserved stock is held for this buyer; afterwards orders.release_expired_reservations frees it.
    reserved_until = models.DateTimeField()
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "reserved_until"])]
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


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Kept as text too: the order must still read right after the product is edited or deleted.
    variant = models.ForeignKey(ProductVariant, on_delete=models.SET_NULL, null=True, related_name="+")
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    unit_price = money_field()
    quantity = models.PositiveIntegerField()
    line_total = money_field()
    # How many units this line took from the variant's stock (0 for untracked variants).
    reserved_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    class Kind(models.TextChoices):
        PLACED = "placed", "Order placed"
        PAYMENT_STARTED = "payment_started", "Payment started"
        PAID = "paid", "Paid"
        RELEASED = "released", "Reservation released"
        FULFILLED = "fulfilled", "Fulfilled"
        REFUNDED = "refunded", "Refunded"
        NOTE = "note", "Note"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # The paid and released transitions happen once, whatever replays a webhook or a return visit makes.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=models.Q(kind__in=["placed", "paid", "released", "fulfilled"]),
                name="orders_event_once_per_transition",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.kind}"


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
