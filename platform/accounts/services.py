"""Accounts: seller sign-up, and the signed hand-off that signs a person in on a store's own host."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from platform.kit import ratelimit
from platform.kit.onetime import OneTimeLink
from platform.kit.queueing import enqueue_for_store
from tenants.models import Membership, ProvisioningJob, Store
from tenants.pods.placement import choose_pod
from tenants.schema_pool import pool_has_ready_schema
from tenants.services import provision_store, validate_new_store
from tenants.tasks import run_provisioning_job

from . import emails
from .models import PendingSignup, User
from .tasks import send_email

HANDOFF_SALT = "mercato.accounts.handoff"
HANDOFF_MAX_AGE_SECONDS = 60
SIGNUP_LINK_HOURS = 24
# Sign-up emails one address gets per hour at most, whoever asks: a form that emails anyone must not flood an inbox.
SIGNUP_EMAILS_PER_ADDRESS = 3
SIGNUP_LINK_INVALID = gettext_lazy("This link has expired or was already used. Sign up again to get a new one.")


def open_store_for(*, user: User, store_name: str, slug: str) -> Store | ProvisioningJob:
    """Make ``user``'s new store: now from a ready schema (milliseconds), or queued as a ProvisioningJob.

    Without a ready schema in the pool, making it takes seconds, so a worker does it and the job is returned; a
    failed job leaves no store behind (provision_store is atomic).
    """
    pod = choose_pod()  # the pool that counts is the one of the database the store will be on
    if pool_has_ready_schema(pod=pod):
        return provision_store(name=store_name, slug=slug, owner=user, pod=pod)
    validate_new_store(name=store_name, slug=slug)
    job = ProvisioningJob.objects.create(user=user, name=store_name.strip(), slug=slug)
    enqueue_for_store(run_provisioning_job, schema_name=settings.PUBLIC_SCHEMA_NAME, args=(str(job.pk),))
    return job


def request_signup(*, email: str, password: str, store_name: str, slug: str) -> None:
    """Email the link that opens the store, or, when the address already has an account, an email saying so.

    The caller answers the same either way ("check your inbox"), so sign-up never tells whether an address is
    registered: the one who can read its inbox learns it. Both ways check the password's strength first and hash
    it, so they refuse the same passwords and take as long. ValidationError (by field) for a weak password.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        password_validation.validate_password(password, User(email=email))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    password_hash = make_password(password)
    with transaction.atomic():
        PendingSignup.objects.filter(created_at__lt=timezone.now() - timedelta(hours=SIGNUP_LINK_HOURS)).delete()
        address_key = hashlib.sha256(email.encode()).hexdigest()
        if not ratelimit.allow(f"signup:email:{address_key}", limit=SIGNUP_EMAILS_PER_ADDRESS, window_seconds=3600):
            return
        if User.objects.filter(email__iexact=email).exists():
            _send(email, **emails.already_registered(store_name=store_name, slug=slug))
            return
        token = secrets.token_urlsafe(32)
        PendingSignup.objects.create(
            email=email, password=password_hash, store_name=store_name.strip(), slug=slug, token_hash=_hash(token)
        )
        _send(email, **emails.confirm_signup(store_name=store_name, token=token, hours=SIGNUP_LINK_HOURS))


def pending_signup(token: str) -> PendingSignup | None:
    """The sign-up a link is for, while it is fresh and unused."""
    fresh = timezone.now() - timedelta(hours=SIGNUP_LINK_HOURS)
    return PendingSignup.objects.filter(token_hash=_hash(token), created_at__gte=fresh).first()


def confirm_signup(*, token: str, slug: str | None = None) -> tuple[User, Store | ProvisioningJob]:
    """Open the store a sign-up link is for, as its account's owner, and use the link up; all or nothing.

    ``slug`` replaces the one asked for at sign-up (it may have been taken since). The address is proven by the
    link, so an account made for it in the meantime gets the store. PermissionDenied for a stale or used link,
    ValidationError (by field) when the store can't be made.
    """
    with transaction.atomic():
        fresh = timezone.now() - timedelta(hours=SIGNUP_LINK_HOURS)
        pending = (
            PendingSignup.objects.select_for_update().filter(token_hash=_hash(token), created_at__gte=fresh).first()
        )
        if pending is None:
            raise PermissionDenied(SIGNUP_LINK_INVALID)
        user = User.objects.filter(email__iexact=pending.email).first()
        if user is None:
            user = User(email=pending.email, password=pending.password)
            user.save()
        store = open_store_for(user=user, store_name=pending.store_name, slug=slug or pending.slug)
        pending.delete()
    return user, store


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send(to: str, *, subject: str, body: str) -> None:
    enqueue_for_store(
        send_email, schema_name=settings.PUBLIC_SCHEMA_NAME, kwargs={"to": to, "subject": subject, "body": body}
    )


HANDOFF_LINK = OneTimeLink(
    salt=HANDOFF_SALT,
    max_age_seconds=HANDOFF_MAX_AGE_SECONDS,
    name="sign-in link",
    get_another="Open the store again from your account.",
)


def make_handoff_token(*, user: User, store: Store) -> str:
    """A token that signs ``user`` in on ``store``'s host once, within a minute."""
    if not Membership.objects.filter(user=user, store=store).exists():
        raise PermissionDenied("You are not on this store's staff.")
    return HANDOFF_LINK.make(store_id=store.pk, u=user.pk)


def redeem_handoff_token(*, token: str, store: Store) -> User:
    """The user a hand-off token was made for, if it is genuine, fresh, for this store and not used before."""
    data = HANDOFF_LINK.redeem(token, store_id=store.pk)
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or not Membership.objects.filter(user=user, store=store).exists():
        raise PermissionDenied("You are not on this store's staff.")
    return user
