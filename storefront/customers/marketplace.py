"""This store's side of marketplace accounts: the customer record a Mercato buyer gets here, linking, the order feed.

The store keeps its own ``Customer`` for the buyer, holding only the email, the name and the buyer's id; the account
itself lives in the public schema and is reached only through ``platform.buyers.bridge``.
"""

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django_tenants.utils import schema_context

from platform.buyers.bridge import HandedOver, forget_store_orders, record_store_order
from platform.kit.queueing import enqueue_for_store
from storefront.orders.models import Order
from tenants.connection import connection
from tenants.models import Store

from .models import Customer, CustomerOrder
from .services import normalise_email

SHARE_TASK = "customers.share_orders_with_marketplace"
# Marked here, translated where they are raised (in the page's language).
ALREADY_LINKED = gettext_noop("Your Mercato account is already linked to another account in this store.")
OTHER_MARKETPLACE_ACCOUNT = gettext_noop("This account is already linked to another Mercato account.")


class EmailHasStoreAccount(Exception):
    """This store has an account of its own with the buyer's email: its owner signs in with it and links it."""


def customer_for_buyer(*, handed_over: HandedOver) -> Customer:
    """The customer linked to the buyer, made now (no password of its own) the first time they come with Mercato.

    Raises EmailHasStoreAccount when an unlinked account here already has that email: only its password proves it
    is the same person's, so it is linked from inside it, never by email alone.
    """
    linked = Customer.objects.filter(marketplace_buyer_id=handed_over.buyer_id).first()
    if linked is not None:
        return _signed_in_now(linked)
    email = normalise_email(handed_over.email)
    if Customer.objects.filter(email__iexact=email).exists():
        raise EmailHasStoreAccount
    customer = Customer(
        email=email,
        name=handed_over.name[:200],
        # Unusable: this record signs in through Mercato; a password reset here can give it one of its own.
        password=make_password(None),
        marketplace_buyer_id=handed_over.buyer_id,
        last_login=timezone.now(),
    )
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as error:  # an account with this email was opened here at the same moment
        raise EmailHasStoreAccount from error
    return customer


def customer_for_marketplace_order(*, buyer_id: int, email: str, name: str) -> Customer | None:
    """The customer record an order paid in the marketplace cart by this buyer goes to: the one linked to the
    account, else a new one like a first sign-in makes (no password of its own).

    None when an unlinked account here already has the buyer's email: it is linked only from inside it (its
    password proves it is theirs), so the order stays a guest order of this store, out of the marketplace history.
    Runs in the caller's transaction (the marketplace places every store's order in one).
    """
    linked = Customer.objects.filter(marketplace_buyer_id=buyer_id).first()
    if linked is not None:
        return linked
    email = normalise_email(email)
    if Customer.objects.filter(email__iexact=email).exists():
        return None
    customer = Customer(email=email, name=name[:200], password=make_password(None), marketplace_buyer_id=buyer_id)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:  # an account with this email (or this buyer's record) was made here at the same moment
        return Customer.objects.filter(marketplace_buyer_id=buyer_id).first()
    return customer


def _signed_in_now(customer: Customer) -> Customer:
    customer.last_login = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(last_login=customer.last_login)
    return customer


def link_customer(*, customer: Customer, handed_over: HandedOver) -> Customer:
    """Link this store's account (its owner signed in with its password) to the buyer's marketplace account.

    Their past orders here are then listed in the marketplace history too. ValidationError when either side is
    already linked elsewhere.
    """
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.marketplace_buyer_id == handed_over.buyer_id:
            return locked
        if locked.marketplace_buyer_id is not None:
            raise ValidationError({"__all__": [gettext(OTHER_MARKETPLACE_ACCOUNT)]})
        if Customer.objects.filter(marketplace_buyer_id=handed_over.buyer_id).exists():
            raise ValidationError({"__all__": [gettext(ALREADY_LINKED)]})
        locked.marketplace_buyer_id = handed_over.buyer_id
        locked.save(update_fields=["marketplace_buyer_id"])
        order_ids = list(CustomerOrder.objects.filter(customer=locked).values_list("order_id", flat=True))
        if order_ids:
            enqueue_for_store(SHARE_TASK, schema_name=connection.schema_name, args=(order_ids,))
    return locked


def unlink_customer(*, customer: Customer) -> None:
    """Stop sharing this account's orders with the marketplace account; the account and its orders stay here."""
    with transaction.atomic():
        buyer_id = (
            Customer.objects.select_for_update()
            .filter(pk=customer.pk)
            .values_list("marketplace_buyer_id", flat=True)
            .first()
        )
        if buyer_id is None:
            return
        Customer.objects.filter(pk=customer.pk).update(marketplace_buyer_id=None)
        store = _this_store()
        if store is not None:
            forget_store_orders(store=store, buyer_id=buyer_id)
    customer.marketplace_buyer_id = None


def forget_marketplace_buyer(*, buyer_id: int) -> int:
    """The marketplace account was deleted: the customer record stays (with its orders), unlinked."""
    return Customer.objects.filter(marketplace_buyer_id=buyer_id).update(marketplace_buyer_id=None)


def forget_every_marketplace_link() -> int:
    """Unlink every customer of this store (an imported store: its customers never signed in here with Mercato)."""
    return Customer.objects.filter(marketplace_buyer_id__isnull=False).update(marketplace_buyer_id=None)


def share_orders(*, order_ids: list[int]) -> int:
    """Send the marketplace history the current state of these orders, those of linked customers only."""
    store = _this_store()
    if store is None:
        return 0
    links = CustomerOrder.objects.filter(order_id__in=order_ids, customer__marketplace_buyer_id__isnull=False)
    shared = 0
    for link in links.select_related("order", "customer"):
        order = link.order
        buyer_id = link.customer.marketplace_buyer_id
        assert buyer_id is not None  # filtered above
        record_store_order(
            store=store,
            buyer_id=buyer_id,
            number=order.pk,
            total=order.total,
            currency=order.currency,
            status=order.status,
            status_label=str(Order.Status(order.status).label),
            placed_at=order.created_at,
            # The store's account page where the order was placed, never the order's secret link.
            link=f"{order.site_url.rstrip('/')}/account/",
        )
        shared += 1
    return shared


def share_order_after_commit(order: Order, kind: str) -> None:
    """An order event's listener: once the change commits, send the order to the marketplace history if a linked
    customer has it (the link of a new order is made after its "placed" event, in the same transaction)."""
    schema_name, order_id = connection.schema_name, order.pk

    def send_if_linked() -> None:
        # In the store's schema by name: a transaction begun outside it (the marketplace's checkout places each
        # store's order in one, switching schemas) commits, and runs this, after switching back.
        with schema_context(schema_name):
            linked = CustomerOrder.objects.filter(
                order_id=order_id, customer__marketplace_buyer_id__isnull=False
            ).exists()
        if linked:
            enqueue_for_store(SHARE_TASK, schema_name=schema_name, args=([order_id],))

    transaction.on_commit(send_if_linked)


def _this_store() -> Store | None:
    return Store.objects.filter(schema_name=connection.schema_name).first()
