"""Changes to stores: provisioning, closing, restoring and purging; staff invitations; custom domains."""

import logging
import re
import secrets
from datetime import timedelta
from pathlib import Path

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists

from billing.limits import ensure_can_add_domain, ensure_can_add_staff
from platform.accounts.models import User
from platform.accounts.users import find_or_create_user
from platform.kit.queueing import enqueue_for_store, send_now_or_keep
from storefront.page_cache import invalidate_store_pages
from tenants.connection import connection

from .host_cache import forget_store_hosts
from .models import DomainClaim, Invitation, Membership, Pod, Role, Store, StoreDomain
from .pods.backups import restore_schema
from .pods.placement import choose_pod
from .pods.routing import database_of, using_database
from .pods.selectors import schema_name_in_use
from .schema_pool import claim_ready_schema, create_cloned_schema, create_migrated_schema, pool_transaction
from .selectors import platform_hosts, store_subdomain_host
from .storage import delete_store_media
from .validators import schema_name_for_slug, validate_store_slug

logger = logging.getLogger(__name__)


class ProvisioningError(Exception):
    """A store could not be made; nothing of it was left behind. The message is safe to show the seller."""


def validate_new_store(*, name: str, slug: str) -> None:
    """Raise ValidationError (keyed by field) when a store with this name and slug can't be made."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors.setdefault("name", []).append(_("Give your store a name."))
    elif len(name) > Store._meta.get_field("name").max_length:
        errors.setdefault("name", []).append(_("Keep the store name under 100 characters."))
    try:
        validate_store_slug(slug)
    except ValidationError as error:
        errors.setdefault("slug", []).extend(error.messages)
    else:
        taken = (
            Store.objects.filter(slug__iexact=slug).exists()
            or StoreDomain.objects.filter(domain__iexact=store_subdomain_host(slug)).exists()
            or schema_name_in_use(schema_name_for_slug(slug))
        )
        if taken:
            errors.setdefault("slug", []).append(_('The subdomain "%(slug)s" is already taken.') % {"slug": slug})
    if errors:
        raise ValidationError(errors)


SCHEMA_METHODS = ("pool", "migrate", "clone")


def provision_store(
    *, name: str, slug: str, owner: User | None = None, schema_method: str = "pool", pod: Pod | None = None
) -> Store:
    """Create a ready-to-sell store: schema, subdomain, owner membership and default pages and theme.

    Everything happens in one transaction. The schema is a pooled one renamed into place when the pool of the
    store's database has one (milliseconds), otherwise one made by running the migrations; PostgreSQL's DDL is transactional, so
    on any failure the rename or the new schema is rolled back with the rows and nothing is left behind.
    ``schema_method`` "migrate" or "clone" skips the pool; the provisioning benchmark compares the three.

    With pods configured the store goes to ``pod``, or when None to the one the placement policy chooses
    (tenants/pods/placement.py); its schema and content are then written on that pod's server, in a transaction
    of its own (docs/scaling.md, "What is not atomic across pods").
    """
    from storefront.themes.services import install_default_content

    if schema_method not in SCHEMA_METHODS:
        raise ValueError(f"schema_method must be one of {SCHEMA_METHODS}")
    name = name.strip()
    validate_new_store(name=name, slug=slug)
    schema_name = schema_name_for_slug(slug)
    pod = pod or choose_pod()
    claimed = False
    try:
        if pod is None:
            with transaction.atomic():
                claimed = schema_method == "pool" and claim_ready_schema(schema_name)
                if schema_method == "clone":
                    create_cloned_schema(schema_name)
                elif not claimed:
                    create_migrated_schema(schema_name)
                store = _create_store_rows(name=name, slug=slug, schema_name=schema_name, owner=owner, pod=None)
                with schema_context(schema_name):
                    install_default_content(store_name=name, contact_email=getattr(owner, "email", ""))
                _sync_directory(store)
        else:
            # Two servers, two transactions: the pod's (schema and default content) commits first, inside the
            # platform's (the store's rows). A failure before that commit leaves nothing on either; a platform
            # commit failing after it leaves an unused schema on the pod, which no store row points at.
            with pool_transaction(pod):
                # Only this pod's pool: a schema can't be renamed onto another server.
                claimed = schema_method == "pool" and claim_ready_schema(schema_name, pod=pod)
                if schema_method == "clone":
                    create_cloned_schema(schema_name)
                elif not claimed:
                    create_migrated_schema(schema_name)
                with schema_context(schema_name):
                    install_default_content(store_name=name, contact_email=getattr(owner, "email", ""))
                store = _create_store_rows(name=name, slug=slug, schema_name=schema_name, owner=owner, pod=pod)
                _sync_directory(store)
    except IntegrityError as error:
        # Another signup took the same subdomain between the check and the insert.
        logger.info("provisioning %r lost a race: %s", slug, error)
        raise ValidationError({"slug": [_('The subdomain "%(slug)s" is already taken.') % {"slug": slug}]}) from error
    except Exception as error:
        logger.exception("provisioning store %r failed", slug)
        raise ProvisioningError(
            _("We couldn't create your store just now. Nothing was saved; please try again in a minute.")
        ) from error
    finally:
        connection.set_schema_to_public()
    forget_store_hosts(store)  # someone may have looked at the address before it was taken
    _refill_pool_after_commit()
    how = "pooled" if claimed else ("cloned" if schema_method == "clone" else "migrated")
    logger.info("provisioned store %s in schema %s (%s) on %s", slug, schema_name, how, pod or "the platform")
    return store


def _create_store_rows(*, name: str, slug: str, schema_name: str, owner: User | None, pod: Pod | None) -> Store:
    store = Store.objects.create(name=name, slug=slug, schema_name=schema_name, status=Store.Status.ACTIVE, pod=pod)
    StoreDomain.objects.create(domain=store_subdomain_host(slug), tenant=store, is_primary=True)
    if owner is not None:
        Membership.objects.create(user=owner, store=store, role=Role.OWNER)
    return store


def _refill_pool_after_commit() -> None:
    # By name: tenants.tasks imports this module.
    enqueue_for_store("tenants.refill_schema_pool", schema_name=settings.PUBLIC_SCHEMA_NAME)


def rename_store(*, store: Store, name: str) -> Store:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Give your store a name of 1 to 100 characters.")})
    Store.objects.filter(pk=store.pk).update(name=name, updated_at=timezone.now())
    forget_store_hosts(store)
    invalidate_store_pages(schema_name=store.schema_name)  # the name is in every page's header
    store.name = name
    _sync_directory(store)
    return store


def close_store(*, store: Store, actor: User, confirmation: str) -> Store:
    """Stop the store selling at once; its data stays for the grace period, for an admin to restore or purge."""
    if not Membership.objects.filter(store=store, user=actor, role=Role.OWNER).exists():
        raise PermissionDenied(_("Only the store's owner can close it."))
    if confirmation.strip() != store.name:
        raise ValidationError(
            {"confirmation": _('Type the store\'s name, "%(name)s", exactly to confirm.') % {"name": store.name}}
        )
    now = timezone.now()
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED, closed_at=now, updated_at=now)
    forget_store_hosts(store)
    store.status, store.closed_at = Store.Status.CLOSED, now
    _sync_directory(store)
    logger.info("store %s closed by %s", store.slug, actor)
    return store


def suspend_store(*, store: Store, reason: str = "", actor: User | None = None) -> Store:
    """Stop the store answering (platform admins), e.g. for unpaid bills or abuse; restore_store undoes it.

    ``reason`` is shown to the owner on the dashboard; ``actor`` (None: billing or a script) is only logged,
    the console writes the audit row itself (tenants.console.actions).
    """
    reason = reason.strip()[:500]
    Store.objects.filter(pk=store.pk).update(
        status=Store.Status.SUSPENDED, suspension_reason=reason, updated_at=timezone.now()
    )
    forget_store_hosts(store)
    store.status, store.suspension_reason = Store.Status.SUSPENDED, reason
    _sync_directory(store)
    logger.info("store %s suspended by %s", store.slug, actor or "the platform")
    return store


def restore_store(*, store: Store, actor: User | None = None) -> Store:
    """Reopen a closed or suspended store (platform admins)."""
    Store.objects.filter(pk=store.pk).update(
        status=Store.Status.ACTIVE, closed_at=None, suspension_reason="", updated_at=timezone.now()
    )
    forget_store_hosts(store)
    store.status, store.closed_at, store.suspension_reason = Store.Status.ACTIVE, None, ""
    _sync_directory(store)
    logger.info("store %s restored by %s", store.slug, actor or "the platform")
    return store


def purge_store(*, store: Store) -> None:
    """Delete a store for good: its schema, its rows in the public schema and its media folder.

    On a pod the schema is dropped once the platform's transaction (the caller's too, when it has one) committed:
    never while holding the platform's locks. A task of the store may hold its tables on the pod while it waits to
    write on the platform, a wait PostgreSQL can't see across two servers. A failure of the drop leaves a schema no
    store row points at (logged), never a store without its schema.
    """
    schema_name = store.schema_name
    database = database_of(store)
    connection.set_schema_to_public()
    with transaction.atomic():
        # The store's row is locked before its related rows are gathered: a task writing the store's figures (or
        # any row that points at it) right now then waits for the purge and finds the store gone, instead of
        # committing a row the delete below never saw and failing the purge on its foreign key.
        list(Store.objects.select_for_update().filter(pk=store.pk).values_list("pk", flat=True))
        forget_store_hosts(store)
        _remove_from_directory(store)
        StoreDomain.objects.filter(tenant=store).delete()
        store.delete()
        if database == DEFAULT_DB_ALIAS:
            _drop_schema(schema_name)
        else:
            transaction.on_commit(lambda: _drop_schema_on_pod(database, schema_name), robust=True)
    delete_store_media(schema_name)


def restore_store_schema(*, store: Store, dump: Path) -> bool:
    """Recreate ``store``'s schema, lost or dropped, from the dump of its own database (``manage.py pods backup``).

    The store's rows on the platform are untouched: they must still be there (docs/backups.md, "Pods: one dump
    per database"). Its cached pages are dropped and its directory listings rewritten by a task, as both may show
    products newer than the dump. Returns False when the broker could not take that task: it is kept and sent by
    the beat once the broker is back, and the caller says so.
    """
    restore_schema(alias=database_of(store), schema_name=store.schema_name, dump=dump)
    forget_store_hosts(store)
    invalidate_store_pages(schema_name=store.schema_name)
    # By name, as tenants.archives (which owns the task) imports this module. Now rather than on commit: the
    # schema is already restored, and the command reports whether the rewrite is under way or waits for the broker.
    sent = send_now_or_keep("archive.resync_directory", schema_name=store.schema_name)
    logger.info("restored schema %s of store %s from %s", store.schema_name, store.slug, dump)
    return sent


def _drop_schema_on_pod(database: str, schema_name: str) -> None:
    with using_database(database), transaction.atomic():
        _drop_schema(schema_name)
    logger.info("dropped schema %s on %s", schema_name, database)


# The directory's store card follows the store's name and status (platform/directory, docs/directory.md).
def _sync_directory(store: Store) -> None:
    from platform.directory.services import sync_store

    sync_store(store=store)


def _remove_from_directory(store: Store) -> None:
    from platform.directory.services import remove_store

    remove_store(store_id=store.pk)


def _drop_schema(schema_name: str) -> None:
    if schema_name == settings.PUBLIC_SCHEMA_NAME or not schema_name.startswith("store_"):
        raise ValueError(f"refusing to drop schema {schema_name!r}")
    if schema_exists(schema_name):
        with connection.cursor() as cursor:
            # Django's foreign keys are deferred; rows written earlier in this transaction would otherwise
            # leave "pending trigger events" that make PostgreSQL refuse to drop their tables.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA "{schema_name}" CASCADE')


# --- Staff ------------------------------------------------------------------------------------------------


def invite_staff(*, store: Store, email: str, role: str, invited_by: User) -> tuple[Invitation, str]:
    """Record an invitation and email its link; returns the invitation and the one-time token in the link."""
    from platform.accounts.tasks import send_email

    if role not in Role.values:
        raise ValidationError({"role": _("Choose owner, manager or staff.")})
    email = email.strip().lower()
    if Membership.objects.filter(store=store, user__email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s is already on this store's staff.") % {"email": email}})
    ensure_can_add_staff(store=store)  # billing: the plan's staff seats
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        store=store,
        email=email,
        role=role,
        token_hash=Invitation.hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.STORE_INVITATION_DAYS),
    )
    from platform.kit.hosts import site_url

    link = site_url(store_subdomain_host(store.slug), f"/dashboard/invitations/{token}/")
    enqueue_for_store(
        send_email,
        schema_name=settings.PUBLIC_SCHEMA_NAME,
        kwargs={
            "to": email,
            "subject": f"You're invited to help run {store.name} on Mercato",
            "body": (
                f"{invited_by} invited you to join {store.name} as {Role(role).label.lower()}.\n\n"
                f"Accept within {settings.STORE_INVITATION_DAYS} days: {link}\n\n"
                "If you weren't expecting this, ignore this email."
            ),
        },
    )
    return invitation, token


def accept_invitation(*, token: str, user: User, store: Store) -> Membership:
    """Join the store with the invitation's role; the link then stops working."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=Invitation.hash_token(token), store=store).first()
        )
        if invitation is None or not invitation.is_usable:
            raise ValidationError(_("This invitation link has expired or was already used. Ask for a new one."))
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(
                _("This invitation was sent to %(email)s; sign in with that address.") % {"email": invitation.email}
            )
        if not Membership.objects.filter(user=user, store=store).exists():
            ensure_can_add_staff(store=store, accepting=True)  # billing: the plan's staff seats
        membership, _created = Membership.objects.update_or_create(
            user=user, store=store, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership


def join_by_invitation(*, token: str, store: Store, password: str) -> tuple[User, Membership]:
    """Accept an invitation with the invited address's password, making the account if it has none yet.

    One transaction: an invitation refused at the last step (used, expired, no seat left) leaves no new account.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=Invitation.hash_token(token), store=store).first()
        )
        if invitation is None or not invitation.is_usable:
            raise ValidationError(_("This invitation link has expired or was already used. Ask for a new one."))
        wrong = ValidationError(
            {"password": ValidationError(_("That isn't the password of this account."), code="wrong_password")}
        )
        user = find_or_create_user(email=invitation.email, password=password, wrong_password=wrong)
        membership = accept_invitation(token=token, user=user, store=store)
    return user, membership


def remove_staff(*, store: Store, membership: Membership, actor: User) -> None:
    if not Membership.objects.filter(store=store, user=actor, role=Role.OWNER).exists():
        raise PermissionDenied(_("Only an owner can remove staff."))
    if membership.store_id != store.pk:
        raise PermissionDenied(_("That person is not on this store's staff."))
    if membership.role == Role.OWNER and store.memberships.filter(role=Role.OWNER).count() == 1:
        raise ValidationError(_("A store needs at least one owner; make someone else owner first."))
    membership.delete()


# --- Custom domains ---------------------------------------------------------------------------------------

_DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
VERIFICATION_PATH = "/.well-known/mercato-domain-verification.txt"


def add_custom_domain(*, store: Store, domain: str) -> DomainClaim:
    """Start connecting ``domain``: the seller publishes the returned claim's token at VERIFICATION_PATH."""
    domain = domain.strip().lower().rstrip(".")
    if domain.startswith(("http://", "https://")):
        raise ValidationError({"domain": _("Enter just the domain, like shop.example.com, without http://.")})
    if not _DOMAIN_RE.match(domain):
        raise ValidationError(
            {"domain": _('"%(domain)s" is not a domain name like shop.example.com.') % {"domain": domain}}
        )
    if domain in platform_hosts() or domain.endswith("." + settings.BASE_DOMAIN):
        raise ValidationError({"domain": _("That is a Mercato address; enter a domain you own.")})
    if StoreDomain.objects.filter(domain=domain).exists() or DomainClaim.objects.filter(domain=domain).exists():
        raise ValidationError({"domain": _("%(domain)s is already connected to a store.") % {"domain": domain}})
    ensure_can_add_domain(store=store)  # billing: the plan's custom domains
    return DomainClaim.objects.create(store=store, domain=domain, token=f"mercato-verify={secrets.token_hex(16)}")


def verify_custom_domain(*, claim: DomainClaim) -> DomainClaim:
    """Fetch the token from the domain over HTTP; when it matches, the store starts answering on the domain."""
    address = settings.DOMAIN_VERIFICATION_RESOLVE.get(claim.domain, claim.domain)
    port = settings.DOMAIN_VERIFICATION_PORT
    url = f"http://{address}:{port}{VERIFICATION_PATH}"
    error = ""
    try:
        response = requests.get(url, headers={"Host": claim.domain}, timeout=5, allow_redirects=False)
        if response.status_code != 200:
            error = _("%(address)s answered %(status)s, not 200.") % {
                "address": f"http://{claim.domain}{VERIFICATION_PATH}",
                "status": response.status_code,
            }
        elif response.text.strip() != claim.token:
            error = _("The file at %(address)s doesn't contain the token shown here.") % {
                "address": f"http://{claim.domain}{VERIFICATION_PATH}"
            }
    except requests.RequestException:
        error = _("We couldn't reach %(address)s. Check the domain points at Mercato and try again.") % {
            "address": f"http://{claim.domain}"
        }
    now = timezone.now()
    with transaction.atomic():
        claim.last_checked_at, claim.last_error = now, error[:300]
        if not error:
            claim.verified_at = now
            forget_store_hosts(claim.store, claim.domain)
            StoreDomain.objects.get_or_create(
                domain=claim.domain, defaults={"tenant": claim.store, "is_primary": False}
            )
        claim.save(update_fields=["last_checked_at", "last_error", "verified_at"])
    return claim


def remove_custom_domain(*, store: Store, domain: str) -> None:
    with transaction.atomic():
        forget_store_hosts(store, domain)
        DomainClaim.objects.filter(store=store, domain=domain).delete()
        StoreDomain.objects.filter(tenant=store, domain=domain, is_primary=False).delete()
