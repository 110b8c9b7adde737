"""Accounts: seller sign-up, and the signed hand-off that signs a person in on a store's own host."""

import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from platform.celery import enqueue_for_store
from platform.resilient_cache import add_or_raise
from tenants.models import Membership, ProvisioningJob, Store
from tenants.schema_pool import pool_has_ready_schema
from tenants.services import provision_store, validate_new_store
from tenants.tasks import run_provisioning_job

from .models import User

HANDOFF_SALT = "mercato.accounts.handoff"
HANDOFF_MAX_AGE_SECONDS = 60
SIGNUP_CONFLICT = (
    "We couldn't sign you up with these details. If you already have a Mercato account, sign in and add a "
    "store from your account page."
)


def register_seller(*, email: str, password: str, store_name: str, slug: str) -> tuple[User, Store | ProvisioningJob]:
    """Create the seller's account and their store; if either fails, neither exists.

    With a ready schema in the pool the store is made now (milliseconds) and returned. Without one, making it
    takes seconds, so it is queued as a ProvisioningJob for a worker and the job is returned instead: the
    account exists, the store follows, and a failed job leaves no store behind (provision_store is atomic).

    An email that already has an account only gets a store when the password is that account's password, and
    the refusal otherwise doesn't say whether the address is registered.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            if not user.check_password(password):
                raise ValidationError({"email": [SIGNUP_CONFLICT]})
        else:
            candidate = User(email=email)
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                raise ValidationError({"password": error.messages}) from error
            user = User.objects.create_user(email=email, password=password)
        if pool_has_ready_schema():
            return user, provision_store(name=store_name, slug=slug, owner=user)
        validate_new_store(name=store_name, slug=slug)
        job = ProvisioningJob.objects.create(user=user, name=store_name.strip(), slug=slug)
        enqueue_for_store(run_provisioning_job, schema_name=settings.PUBLIC_SCHEMA_NAME, args=(str(job.pk),))
    return user, job


def make_handoff_token(*, user: User, store: Store) -> str:
    """A token that signs ``user`` in on ``store``'s host once, within a minute."""
    if not Membership.objects.filter(user=user, store=store).exists():
        raise PermissionDenied("You are not on this store's staff.")
    return signing.dumps({"u": user.pk, "s": store.pk, "n": secrets.token_urlsafe(12)}, salt=HANDOFF_SALT)


def redeem_handoff_token(*, token: str, store: Store) -> User:
    """The user a hand-off token was made for, if it is genuine, fresh, for this store and not used before."""
    try:
        data = signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise PermissionDenied("This sign-in link has expired. Open the store again from your account.") from error
    except signing.BadSignature as error:
        raise PermissionDenied("This sign-in link is not valid.") from error
    if data.get("s") != store.pk:
        raise PermissionDenied("This sign-in link is for another store.")
    # add is atomic in Redis: of two requests with the same token, exactly one gets True. Without Redis it raises
    # (a "try again" page) rather than let a token be used twice or call an unused one used.
    if not add_or_raise(f"accounts:handoff:{data['n']}", 1, HANDOFF_MAX_AGE_SECONDS * 2):
        raise PermissionDenied("This sign-in link was already used. Open the store again from your account.")
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or not Membership.objects.filter(user=user, store=store).exists():
        raise PermissionDenied("You are not on this store's staff.")
    return user
