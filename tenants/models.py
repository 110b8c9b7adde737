"""Stores (django-tenants tenants) and the hosts they answer on."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin

from .validators import SLUG_MAX_LENGTH, validate_store_slug


class Store(TenantMixin):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", "Provisioning"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=100)
    slug = models.CharField(max_length=SLUG_MAX_LENGTH, unique=True, validators=[validate_store_slug])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROVISIONING)
    # Shown to the owner on the dashboard while the store is suspended.
    suspension_reason = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The pod whose database holds this store's schema; empty: the platform database itself.
    pod = models.ForeignKey("Pod", on_delete=models.PROTECT, null=True, blank=True, related_name="stores")
    # Set while the store's schema is copied to another pod (tenants.pods.services.move_store): it is read-only
    # for buyers and sellers until then. The time tells a move still running from one a crash left behind.
    moving_since = models.DateTimeField(null=True, blank=True)

    # Schemas are created and dropped only by tenants.services, which also cleans up after a failure.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("slug"), name="tenants_store_slug_ci_unique")]
        # The platform console's own permissions, one per kind of action (superusers have them all).
        permissions = [
            ("view_platform_dashboard", "Can see the platform dashboard"),
            ("suspend_store", "Can suspend and reactivate stores"),
            ("change_store_plan", "Can change a store's plan and extend its trial"),
            ("view_store_as_support", "Can view a store's dashboard as support, read-only"),
            ("move_store", "Can move a store to another pod"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


# The stubs plugin can't build the reverse manager of a foreign key on django-tenants' untyped Store base.
class Pod(models.Model):  # type: ignore[django-manager-missing]  # Store.pod's "stores": see above
    """A PostgreSQL database that holds some stores' schemas (docs/scaling.md, "Pods").

    The row names the pod's Django database alias only; its address and password come from the environment
    (``MERCATO_POD_<NAME>_URL``), never from this table. Stores with no pod live on the platform database.
    """

    name = models.SlugField(max_length=30, unique=True)
    # The DATABASES alias the pod's connection settings are registered under (tenants.pods.config).
    database_alias = models.CharField(max_length=40, unique=True)
    # A closed pod keeps serving its stores but receives no new ones.
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StoreDomain(DomainMixin):
    """A host a store answers on: its platform subdomain, or a custom domain the seller has verified."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "domain"]

    def __str__(self) -> str:
        return self.domain


class Role(models.TextChoices):
    """What a person may do in a store's dashboard; each role includes everything of the ones below it."""

    OWNER = "owner", pgettext_lazy("store role", "Owner")
    MANAGER = "manager", pgettext_lazy("store role", "Manager")
    STAFF = "staff", pgettext_lazy("store role", "Staff")

    @classmethod
    def rank(cls, role: str) -> int:
        ranks: dict[str, int] = {cls.STAFF: 1, cls.MANAGER: 2, cls.OWNER: 3}
        return ranks[role]


class Membership(models.Model):
    """A person's place in a store: its owner, a manager or a staff member."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="tenants_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.store.slug}"

    def has_role(self, role: str) -> bool:
        return Role.rank(self.role) >= Role.rank(role)


class Invitation(models.Model):
    """An emailed invitation to join a store's staff; its link works once, until it expires."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    # Only a hash is stored: a leaked database doesn't leak working invitation links.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} of {self.store_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class DomainClaim(models.Model):
    """A custom domain a seller wants; it becomes a StoreDomain once its verification token is found on it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="domain_claims")
    domain = models.CharField(max_length=253, unique=True)
    token = models.CharField(max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class ReadySchema(models.Model):
    """An empty, fully migrated store schema waiting in the pool; a signup claims one by renaming it."""

    schema_name = models.CharField(max_length=63, unique=True)
    # The tenant migrations the schema was built with; a schema built for other migrations is never claimed.
    migrations_fingerprint = models.CharField(max_length=64, db_index=True)
    # The database the schema is on: a pod's, or the platform's when empty. Only stores placed there claim it.
    pod = models.ForeignKey(Pod, null=True, blank=True, on_delete=models.PROTECT, related_name="ready_schemas")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.schema_name


class ProvisioningJob(models.Model):
    """A signup whose store is being made in the background, because no ready schema was waiting."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    slug = models.CharField(max_length=SLUG_MAX_LENGTH)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=300, blank=True)
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.slug}: {self.status}"


class AdminAction(models.Model):
    """One action a platform admin took on a store: the audit log. Rows are only ever added, never changed."""

    class Kind(models.TextChoices):
        SUSPEND = "suspend", "Suspend"
        REACTIVATE = "reactivate", "Reactivate"
        CHANGE_PLAN = "change_plan", "Change plan"
        EXTEND_TRIAL = "extend_trial", "Extend trial"
        EXPORT = "export", "Export"
        IMPORT = "import", "Import"
        PURGE = "purge", "Close and purge"
        VIEW_AS_SUPPORT = "view_as_support", "View as support"
        REVIEW_APPROVE = "review_approve", "Review report approved"
        REVIEW_HIDE = "review_hide", "Review hidden"
        REVIEW_WARN = "review_warn", "Review's buyer warned"
        # Two rows per move: the admin's request (queued), then the worker's outcome (moved or failed).
        MOVE = "move", "Move to another pod"

    # Not a foreign key: the entry outlives a purged store and a deleted admin account.
    store_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    store_slug = models.CharField(max_length=SLUG_MAX_LENGTH)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_email = models.CharField(max_length=254)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.kind} {self.store_slug} at {self.created_at:%Y-%m-%d %H:%M}"


class StoreDailyStats(models.Model):
    """What a store did on one day, gathered from its schema by a periodic task so admin pages never scan schemas."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="daily_stats")
    date = models.DateField()
    orders = models.PositiveIntegerField(default=0)
    gmv = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    # Point-in-time figures, as of computed_at on that day.
    product_count = models.PositiveIntegerField(default=0)
    schema_bytes = models.BigIntegerField(default=0)
    last_seller_activity_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="tenants_daily_stats_unique")]

    def __str__(self) -> str:
        return f"{self.store_id} on {self.date}"


class StoreArchive(models.Model):
    """An export of one store's data to a single archive file, or an import of one as a new store."""

    class Direction(models.TextChoices):
        EXPORT = "export", "Export"
        IMPORT = "import", "Import"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    # For an import, the store it made (set once done).
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="archives")
    store_slug = models.CharField(max_length=SLUG_MAX_LENGTH)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # Relative to settings.STORE_ARCHIVE_ROOT, outside MEDIA_ROOT so it is never served as a media file.
    file_path = models.CharField(max_length=300, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.direction} {self.store_slug}: {self.status}"


class ReviewModeration(models.Model):
    """A review a seller reported as abusive, copied here by the store (storefront.reviews.services.report_review)
    so the platform's moderators can decide it without reading the store's schema."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved: the review stays"
        HIDDEN = "hidden", "Review hidden"
        WARNED = "warned", "Buyer warned"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="review_moderations")
    # Ids inside the store's schema: the decision is sent back there by a task, never applied from here.
    review_id = models.BigIntegerField()
    report_id = models.BigIntegerField()
    product_title = models.CharField(max_length=200)
    rating = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    author_name = models.CharField(max_length=100, blank=True)
    # Where a warning goes; shown to moderators only.
    buyer_email = models.EmailField()
    reason = models.TextField()
    reported_by = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decision_reason = models.TextField(blank=True)
    decided_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "report_id"], name="tenants_moderation_once_per_report")
        ]

    def __str__(self) -> str:
        return f"{self.store_id}: report {self.report_id} ({self.status})"
