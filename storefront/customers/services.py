"""Changes to buyer accounts: sign-up, password checks and resets, and which orders show in an account."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from platform.accounts.tasks import send_email
from platform.kit.queueing import enqueue_for_store
from storefront.orders.models import Order
from storefront.themes.selectors import store_profile
from tenants.connection import connection

from .models import BlockedBuyer, Customer, CustomerOrder

NAME_MAX_LENGTH = 200
PASSWORD_MAX_LENGTH = 128
# Marked here, translated where it is raised (in the page's language).
EMAIL_TAKEN = gettext_noop("This store already has an account with this email address. Sign in instead.")


class CustomerTokenGenerator(PasswordResetTokenGenerator):
    """Reset links for buyer accounts: own salt, and the store's schema in the hash, so a link made for a customer
    of one store (or for a platform user) never works for another store's customer with the same id."""

    key_salt = "storefront.customers.CustomerTokenGenerator"

    def _make_hash_value(self, user: Customer, timestamp: int) -> str:  # type: ignore[override]  # a buyer, not a User
        # The password hash and last sign-in are in it: a used link (the password changed) is dead.
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{connection.schema_name}{user.pk}{user.password}{login}{timestamp}{user.email}"


reset_tokens = CustomerTokenGenerator()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_password(password: str, customer: Customer) -> list[str]:
    if len(password) > PASSWORD_MAX_LENGTH:
        return [f"Use at most {PASSWORD_MAX_LENGTH} characters."]
    try:
        # The validators only read attributes (email, name) that a Customer has as a User does.
        validate_password(password, user=customer)  # type: ignore[arg-type]
    except ValidationError as error:
        return error.messages
    return []


def register_customer(*, email: str, password: str, name: str = "") -> Customer:
    """Open an account in the current store; ValidationError (by field, nothing written) when the input is bad."""
    email, name = normalise_email(email), (name or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid email address."]
    if len(name) > NAME_MAX_LENGTH:
        errors["name"] = [f"Use at most {NAME_MAX_LENGTH} characters."]
    customer = Customer(email=email, name=name)
    password_errors = _check_password(password or "", customer)
    if password_errors:
        errors["password"] = password_errors
    if "email" not in errors and Customer.objects.filter(email__iexact=email).exists():
        errors["email"] = [_(EMAIL_TAKEN)]
    if errors:
        raise ValidationError(errors)
    customer.set_password(password)
    customer.last_login = timezone.now()
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as error:  # the same email signed up at the same moment in another request
        raise ValidationError({"email": [_(EMAIL_TAKEN)]}) from error
    return customer


# Checked against when no account has the email, so a wrong email costs as long as a wrong password.
_UNUSABLE_HASH = make_password("not the password of any customer")


def authenticate_customer(*, email: str, password: str) -> Customer | None:
    """The customer of this store with this email and password, their last sign-in recorded; None otherwise."""
    customer = Customer.objects.filter(email__iexact=normalise_email(email)).first()
    if customer is None:
        Customer(password=_UNUSABLE_HASH).check_password(password or "")
        return None
    if not password or not customer.check_password(password):
        return None
    customer.last_login = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(last_login=customer.last_login)
    return customer


def change_password(*, customer: Customer, current_password: str, new_password: str) -> Customer:
    """Set a new password after checking the current one; ValidationError by field otherwise."""
    if not customer.check_password(current_password or ""):
        raise ValidationError({"current_password": [gettext("Your current password is not correct.")]})
    return _set_password(customer, new_password)


def _set_password(customer: Customer, new_password: str) -> Customer:
    errors = _check_password(new_password or "", customer)
    if errors:
        raise ValidationError({"new_password": errors})
    customer.set_password(new_password)
    Customer.objects.filter(pk=customer.pk).update(password=customer.password)
    return customer


def request_password_reset(*, email: str, site_url: str, store_name: str) -> None:
    """Email a reset link when this store has an account for ``email``; says nothing either way."""
    customer = Customer.objects.filter(email__iexact=normalise_email(email)).first()
    if customer is None:
        return
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    token = reset_tokens.make_token(customer)  # type: ignore[arg-type]  # hashes a Customer: see _make_hash_value
    link = f"{site_url}/account/reset/{uid}/{token}/"
    # Written while the buyer's request is answered, so in the page's language (the store's, or the one picked).
    body = "\n\n".join(
        [
            _("Someone asked to reset the password of your account at %(store)s.") % {"store": store_name},
            _("Choose a new password here (the link works once, for a few days):") + f"\n{link}",
            _("If it was not you, ignore this email: your password stays as it is."),
        ]
    )
    enqueue_for_store(
        send_email,
        schema_name="public",
        kwargs={
            "to": customer.email,
            "subject": _("Reset your password at %(store)s") % {"store": store_name},
            "body": body,
            # In the store's name, like every email a buyer gets from it.
            "from_name": store_name,
            "reply_to": store_profile().contact_email,
        },
    )


def customer_for_reset(*, uid: str, token: str) -> Customer | None:
    """The customer a reset link is for, if the link is genuine, for this store, and unused."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        return None
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None or not reset_tokens.check_token(customer, token):  # type: ignore[arg-type]  # as make_token
        return None
    return customer


def reset_password(*, uid: str, token: str, new_password: str) -> Customer:
    customer = customer_for_reset(uid=uid, token=token)
    if customer is None:
        raise ValidationError({"__all__": [gettext("This reset link is not valid any more. Ask for a new one.")]})
    return _set_password(customer, new_password)


def link_order(*, customer: Customer, order: Order) -> bool:
    """Put an order placed while ``customer`` was signed in into their history; False when it already had one."""
    _, created = CustomerOrder.objects.get_or_create(
        order=order, defaults={"customer": customer, "how": CustomerOrder.How.PLACED}
    )
    return created


def claim_order(*, customer: Customer, order: Order) -> bool:
    """Add a guest order to ``customer``'s history: they hold its secret link and it was placed with their email.

    Both are needed: the link alone could have been forwarded, and the email alone is not proof of anything.
    False, and nothing changes, when the emails differ or the order is already in an account.
    """
    if normalise_email(order.email) != customer.email:
        return False
    _, created = CustomerOrder.objects.get_or_create(
        order=order, defaults={"customer": customer, "how": CustomerOrder.How.CLAIMED}
    )
    return created


@transaction.atomic
def block_buyer(*, email: str, reason: str, actor: str) -> BlockedBuyer:
    """Refuse this buyer's reviews and messages in the current store (only); blocking twice keeps the first."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": [_("Enter the buyer's email address.")]}) from error
    reason = " ".join(reason.split())
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Keep the reason to 300 characters.")]})
    found = BlockedBuyer.objects.filter(email__iexact=email).first()
    if found is not None:
        return found
    return BlockedBuyer.objects.create(email=email, reason=reason, blocked_by=actor[:254])


def unblock_buyer(*, blocked_id: int) -> bool:
    """Let the buyer review and message the store again; False when there was no such block."""
    deleted, _ = BlockedBuyer.objects.filter(pk=blocked_id).delete()
    return deleted > 0
