"""Changes to marketplace buyer accounts: sign-up, passwords, addresses, favourites, follows, orders, deletion."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext, gettext_lazy

from platform.accounts.tasks import send_email
from platform.kit import ratelimit
from platform.kit.hosts import platform_url
from platform.kit.onetime import OneTimeLink
from platform.kit.queueing import enqueue_for_store
from tenants.models import Store

from . import emails
from .directory_reads import listing_reader
from .models import Buyer, BuyerAddress, BuyerOrder, BuyerStore, FavouriteProduct, FollowedStore, PendingBuyerSignup

NAME_MAX_LENGTH = 200
PASSWORD_MAX_LENGTH = 128
SIGNUP_LINK_HOURS = 24
# Sign-up emails one address gets per hour at most, whoever asks (as the sellers' sign-up).
SIGNUP_EMAILS_PER_ADDRESS = 3
SIGNUP_LINK_INVALID = gettext_lazy("This link has expired or was already used. Sign up again to get a new one.")
# The store task that forgets a deleted account's link (storefront.customers.tasks), named so as not to import it.
FORGET_TASK = "customers.forget_marketplace_buyer"

# The hand-off to a store's host: the same signed, single-use, one-minute links as the sellers' dashboard hand-off
# (platform.kit.onetime), with a salt of its own so neither kind of link is ever taken for the other.
STORE_SIGNIN_LINK = OneTimeLink(
    salt="mercato.buyers.store_signin",
    max_age_seconds=60,
    name="sign-in link",
    get_another="Choose “Sign in with Mercato” on the store again.",
)


class BuyerTokenGenerator(PasswordResetTokenGenerator):
    """Reset links for buyer accounts, with their own salt: never valid for a seller or a store's customer."""

    key_salt = "platform.buyers.BuyerTokenGenerator"

    def _make_hash_value(self, user: Buyer, timestamp: int) -> str:  # type: ignore[override]  # a buyer, not a User
        # The password hash and last sign-in are in it: a used link (the password changed) is dead.
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"buyer{user.pk}{user.password}{login}{timestamp}{user.email}"


reset_tokens = BuyerTokenGenerator()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _password_errors(password: str, buyer: Buyer) -> list[str]:
    if len(password) > PASSWORD_MAX_LENGTH:
        return [gettext("Use at most %(limit)d characters.") % {"limit": PASSWORD_MAX_LENGTH}]
    try:
        # The validators only read attributes (email, name) that a Buyer has as a User does.
        validate_password(password, user=buyer)  # type: ignore[arg-type]
    except ValidationError as error:
        return error.messages
    return []


def _send(to: str, *, subject: str, body: str) -> None:
    enqueue_for_store(
        send_email, schema_name=settings.PUBLIC_SCHEMA_NAME, kwargs={"to": to, "subject": subject, "body": body}
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_signup(*, email: str, password: str, name: str = "") -> None:
    """Email the link that makes the account, or, when the address already has one, an email saying so.

    The caller answers the same either way, so sign-up never tells whether an address is registered. ValidationError
    (by field, nothing written) for a malformed address, a long name or a weak password.
    """
    email, name = normalise_email(email), (name or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [gettext("Enter a valid email address.")]
    if len(name) > NAME_MAX_LENGTH:
        errors["name"] = [gettext("Use at most %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}]
    password_errors = _password_errors(password or "", Buyer(email=email, name=name))
    if password_errors:
        errors["password"] = password_errors
    if errors:
        raise ValidationError(errors)
    password_hash = make_password(password)
    with transaction.atomic():
        PendingBuyerSignup.objects.filter(created_at__lt=timezone.now() - timedelta(hours=SIGNUP_LINK_HOURS)).delete()
        address_key = hashlib.sha256(email.encode()).hexdigest()
        if not ratelimit.allow(
            f"buyer-signup:email:{address_key}", limit=SIGNUP_EMAILS_PER_ADDRESS, window_seconds=3600
        ):
            return
        if Buyer.objects.filter(email__iexact=email).exists():
            _send(email, **emails.already_registered())
            return
        token = secrets.token_urlsafe(32)
        PendingBuyerSignup.objects.create(email=email, name=name, password=password_hash, token_hash=_hash(token))
        _send(email, **emails.confirm_signup(token=token, hours=SIGNUP_LINK_HOURS))


def pending_signup(token: str) -> PendingBuyerSignup | None:
    fresh = timezone.now() - timedelta(hours=SIGNUP_LINK_HOURS)
    return PendingBuyerSignup.objects.filter(token_hash=_hash(token), created_at__gte=fresh).first()


def confirm_signup(*, token: str) -> Buyer:
    """Make the account a sign-up link is for and use the link up; PermissionDenied for a stale or used link.

    The address is proven by the link, so an account made for it in the meantime is the one signed in.
    """
    with transaction.atomic():
        fresh = timezone.now() - timedelta(hours=SIGNUP_LINK_HOURS)
        pending = (
            PendingBuyerSignup.objects.select_for_update()
            .filter(token_hash=_hash(token), created_at__gte=fresh)
            .first()
        )
        if pending is None:
            raise PermissionDenied(SIGNUP_LINK_INVALID)
        buyer = Buyer.objects.filter(email__iexact=pending.email).first()
        if buyer is None:
            buyer = Buyer.objects.create(
                email=pending.email, name=pending.name, password=pending.password, last_login=timezone.now()
            )
        # Every pending sign-up of the address goes: one confirmed link makes the others pointless.
        PendingBuyerSignup.objects.filter(email__iexact=pending.email).delete()
    return buyer


# Checked against when no account has the email, so a wrong email costs as long as a wrong password.
_UNUSABLE_HASH = make_password("not the password of any buyer")


def authenticate_buyer(*, email: str, password: str) -> Buyer | None:
    """The buyer with this email and password, their last sign-in recorded; None otherwise."""
    buyer = Buyer.objects.filter(email__iexact=normalise_email(email)).first()
    if buyer is None:
        Buyer(password=_UNUSABLE_HASH).check_password(password or "")
        return None
    if not password or not buyer.check_password(password):
        return None
    buyer.last_login = timezone.now()
    Buyer.objects.filter(pk=buyer.pk).update(last_login=buyer.last_login)
    return buyer


def change_password(*, buyer: Buyer, current_password: str, new_password: str) -> Buyer:
    if not buyer.check_password(current_password or ""):
        raise ValidationError({"current_password": [gettext("Your current password is not correct.")]})
    return _set_password(buyer, new_password)


def _set_password(buyer: Buyer, new_password: str) -> Buyer:
    errors = _password_errors(new_password or "", buyer)
    if errors:
        raise ValidationError({"new_password": errors})
    buyer.set_password(new_password)
    Buyer.objects.filter(pk=buyer.pk).update(password=buyer.password)
    return buyer


def request_password_reset(*, email: str) -> None:
    """Email a reset link when a buyer account has ``email``; says nothing either way."""
    buyer = Buyer.objects.filter(email__iexact=normalise_email(email)).first()
    if buyer is None:
        return
    uid = urlsafe_base64_encode(force_bytes(buyer.pk))
    token = reset_tokens.make_token(buyer)  # type: ignore[arg-type]  # hashes a Buyer: see _make_hash_value
    _send(buyer.email, **emails.password_reset(link=platform_url(f"/buyer/reset/{uid}/{token}/")))


def buyer_for_reset(*, uid: str, token: str) -> Buyer | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        return None
    buyer = Buyer.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if buyer is None or not reset_tokens.check_token(buyer, token):  # type: ignore[arg-type]  # as make_token
        return None
    return buyer


def reset_password(*, uid: str, token: str, new_password: str) -> Buyer:
    buyer = buyer_for_reset(uid=uid, token=token)
    if buyer is None:
        raise ValidationError({"__all__": [gettext("This reset link is not valid any more. Ask for a new one.")]})
    return _set_password(buyer, new_password)


ADDRESS_LIMIT = 20


@transaction.atomic
def add_address(
    *,
    buyer: Buyer,
    name: str,
    line1: str,
    line2: str = "",
    city: str,
    region: str = "",
    postal_code: str,
    country: str,
    district: str = "",
    phone: str = "",
    make_default: bool = False,
) -> BuyerAddress:
    """Keep a shipping address; ValidationError (by field, nothing written) for missing or over-long parts.

    The first address kept is the default (the one the cart's form is filled with), as is one saved with
    ``make_default``. A Chinese address's district and mobile number are kept as given: the store's checkout that
    ships there checks them, as it checks every address.
    """
    Buyer.objects.select_for_update().filter(pk=buyer.pk).first()  # one count at a time per buyer
    kept = BuyerAddress.objects.filter(buyer=buyer).count()
    if kept >= ADDRESS_LIMIT:
        raise ValidationError(
            {"__all__": [gettext("Keep at most %(limit)d addresses; remove one first.") % {"limit": ADDRESS_LIMIT}]}
        )
    address = BuyerAddress(
        buyer=buyer,
        name=(name or "").strip(),
        line1=(line1 or "").strip(),
        line2=(line2 or "").strip(),
        city=(city or "").strip(),
        region=(region or "").strip(),
        postal_code=(postal_code or "").strip(),
        country=(country or "").strip().upper(),
        district=(district or "").strip(),
        phone=(phone or "").strip(),
    )
    errors: dict[str, list[str]] = {}
    if len(address.country) != 2 or not address.country.isascii() or not address.country.isalpha():
        errors["country"] = [gettext("Give the country as its two-letter code, such as FR or US.")]
    try:
        address.full_clean(exclude=["buyer", "country"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if make_default or kept == 0:
        BuyerAddress.objects.filter(buyer=buyer, is_default=True).update(is_default=False)
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def set_default_address(*, buyer: Buyer, address_id: int) -> bool:
    """Make one of the buyer's own addresses the default; False when the buyer has no such address."""
    Buyer.objects.select_for_update().filter(pk=buyer.pk).first()
    if not BuyerAddress.objects.filter(buyer=buyer, pk=address_id).exists():
        return False
    BuyerAddress.objects.filter(buyer=buyer, is_default=True).exclude(pk=address_id).update(is_default=False)
    BuyerAddress.objects.filter(buyer=buyer, pk=address_id).update(is_default=True)
    return True


@transaction.atomic
def remove_address(*, buyer: Buyer, address_id: int) -> bool:
    """Remove one of the buyer's addresses; when it was the default, the oldest one left becomes the default."""
    Buyer.objects.select_for_update().filter(pk=buyer.pk).first()
    deleted, _ = BuyerAddress.objects.filter(buyer=buyer, pk=address_id).delete()
    if deleted and not BuyerAddress.objects.filter(buyer=buyer, is_default=True).exists():
        oldest = BuyerAddress.objects.filter(buyer=buyer).order_by("created_at", "id").first()
        if oldest is not None:
            BuyerAddress.objects.filter(pk=oldest.pk).update(is_default=True)
    return deleted > 0


def favourite_product(*, buyer: Buyer, store: Store, product_id: int) -> FavouriteProduct:
    """Save a product the directory lists; ValidationError when the store isn't open or the product isn't listed."""
    if store.status != Store.Status.ACTIVE:
        raise ValidationError({"store": [gettext("This store isn't open on Mercato.")]})
    if not listing_reader().products([(store.pk, product_id)]):
        raise ValidationError(
            {"product": [gettext("This product isn't in Mercato's directory, so it can't be saved.")]}
        )
    favourite, _ = FavouriteProduct.objects.get_or_create(buyer=buyer, store=store, product_id=product_id)
    return favourite


def unfavourite_product(*, buyer: Buyer, favourite_id: int) -> bool:
    deleted, _ = FavouriteProduct.objects.filter(buyer=buyer, pk=favourite_id).delete()
    return deleted > 0


def follow_store(*, buyer: Buyer, store: Store) -> FollowedStore:
    if store.status != Store.Status.ACTIVE:
        raise ValidationError({"store": [gettext("This store isn't open on Mercato.")]})
    follow, _ = FollowedStore.objects.get_or_create(buyer=buyer, store=store)
    return follow


def unfollow_store(*, buyer: Buyer, store_id: int) -> bool:
    deleted, _ = FollowedStore.objects.filter(buyer=buyer, store_id=store_id).delete()
    return deleted > 0


def make_store_signin_token(*, buyer: Buyer, store: Store, state: str, next_path: str) -> str:
    """A link token that signs ``buyer`` in on ``store``'s host once, within a minute, for the flow ``state`` began."""
    if store.status != Store.Status.ACTIVE:
        raise PermissionDenied(gettext("This store isn't open."))
    return STORE_SIGNIN_LINK.make(store_id=store.pk, b=buyer.pk, st=state, nx=next_path)


@dataclass(frozen=True)
class HandedOver:
    """What a redeemed hand-off gives the store: who the buyer is, and the flow it belongs to."""

    buyer_id: int
    email: str
    name: str
    state: str
    next_path: str


def redeem_store_signin_token(*, token: str, store: Store) -> HandedOver:
    """The buyer a genuine, fresh, unused token for ``store`` names, the store remembered among their stores.

    PermissionDenied for anything else: another store's token, a replayed one, an expired one, a deleted account.
    """
    data = STORE_SIGNIN_LINK.redeem(token, store_id=store.pk)
    buyer = Buyer.objects.filter(pk=int(data["b"])).first()
    if buyer is None:
        raise PermissionDenied(gettext("This Mercato account no longer exists."))
    remember_store(buyer=buyer, store=store)
    return HandedOver(
        buyer_id=buyer.pk, email=buyer.email, name=buyer.name, state=str(data["st"]), next_path=str(data["nx"])
    )


def remember_store(*, buyer: Buyer, store: Store) -> None:
    """Note that ``store`` keeps a customer record of ``buyer`` (a sign-in there, or an order paid in the
    marketplace cart), so deleting the account knows to tell it."""
    BuyerStore.objects.get_or_create(buyer=buyer, store=store)


def record_store_order(
    *,
    store: Store,
    buyer_id: int,
    number: int,
    total: Decimal,
    currency: str,
    status: str,
    status_label: str,
    placed_at: datetime,
    link: str,
) -> BuyerOrder | None:
    """List (or update) a store's order in the buyer's history; None when the account no longer exists."""
    if not Buyer.objects.filter(pk=buyer_id).exists():
        return None
    values = {
        "buyer_id": buyer_id,
        "total": total,
        "currency": currency,
        "status": status,
        "status_label": status_label[:60],
        "placed_at": placed_at,
        "link": link[:400],
    }
    try:
        with transaction.atomic():
            order, _ = BuyerOrder.objects.update_or_create(store=store, number=number, defaults=values)
    except IntegrityError:  # the same order sent twice at once: the other one made the row
        order, _ = BuyerOrder.objects.update_or_create(store=store, number=number, defaults=values)
    return order


def forget_store_orders(*, store: Store, buyer_id: int) -> int:
    """Drop a store's orders from a buyer's history (the store unlinked its customer record)."""
    deleted, _ = BuyerOrder.objects.filter(store=store, buyer_id=buyer_id).delete()
    return deleted


def delete_buyer(*, buyer: Buyer, password: str) -> list[Store]:
    """Delete the account and every public row of it; tell each store it signed in on to forget the link.

    Returns those stores: each keeps its own customer record and the orders placed there (the store's records).
    ValidationError when ``password`` is not the account's.
    """
    if not buyer.check_password(password or ""):
        raise ValidationError({"password": [gettext("Your password is not correct.")]})
    with transaction.atomic():
        stores = [link.store for link in BuyerStore.objects.filter(buyer=buyer).select_related("store")]
        buyer_id = buyer.pk
        buyer.delete()  # addresses, order rows, favourites, follows and store links go with it (CASCADE)
        for store in stores:
            enqueue_for_store(FORGET_TASK, schema_name=store.schema_name, args=(buyer_id,))
    return stores
