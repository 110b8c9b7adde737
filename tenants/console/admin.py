"""The platform console: Django admin for stores (list, dashboard, confirmed and audited actions) and the audit log.

Served on the platform host only (platform/urls_public.py); store hosts use platform/urls_tenant.py, which has
no admin. Each action needs its own permission (tenants.models.Store.Meta.permissions).
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import stripe
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from billing.models import Subscription
from platform.accounts.models import User
from platform.kit.hosts import site_url
from platform.kit.ids import parse_id
from platform.kit.spreadsheet import csv_lines, formula_safe
from tenants.archives import admin as archive_admin
from tenants.archives.services import purge_closed_store
from tenants.models import AdminAction, Membership, Pod, ReviewModeration, Store, StoreDomain
from tenants.pods.selectors import is_moving, pod_loads
from tenants.request_types import SignedInRequest
from tenants.selectors import store_subdomain_host

from . import actions as console_actions
from . import moderation
from . import selectors as console
from .stats import gather_missing_stats

PERM_DASHBOARD = "tenants.view_platform_dashboard"
PERM_SUSPEND = "tenants.suspend_store"
PERM_PLAN = "tenants.change_store_plan"
PERM_SUPPORT = "tenants.view_store_as_support"
PERM_MOVE = "tenants.move_store"


# --- Confirmation forms: every action asks why --------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Recorded in the audit log with your name and the time.",
    )


class SuspendForm(ReasonForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=500,
        help_text="The owner sees this on their dashboard; it is also recorded in the audit log.",
    )


class ChangePlanForm(ReasonForm):
    plan = forms.ModelChoiceField(queryset=console.plan_choices(), empty_label=None)
    interval = forms.ChoiceField(choices=Subscription.Interval.choices)
    trial_days = forms.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        help_text="Only for a store on Free moved to a paid plan: the trial granted, with no card needed until it ends.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["plan"]
        ).queryset = console.plan_choices()  # fresh per request: plans are edited in the admin


class ExtendTrialForm(ReasonForm):
    days = forms.IntegerField(min_value=1, max_value=365, initial=14)


PLATFORM_PLACE = "platform"


class MoveForm(ReasonForm):
    """Where to move the store; sent once to see the confirmation (source, target and its load), then again with
    ``confirmed`` to queue the move."""

    target = forms.ChoiceField(
        label="Move to",
        help_text="A pod, or the platform database. The store is read-only for buyers and sellers for a few seconds.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(PLATFORM_PLACE, "platform (the platform database)")]
        for pod in Pod.objects.order_by("created_at", "pk"):
            choices.append((pod.name, pod.name if pod.is_open else f"{pod.name} (closed to new stores)"))
        cast(forms.ChoiceField, self.fields["target"]).choices = choices
        # The reason comes first on the other actions' pages; here the target does.
        self.order_fields(["target", "reason", "confirmed"])

    def clean_target(self) -> Pod | None:
        name = self.cleaned_data["target"]
        if name == PLATFORM_PLACE:
            return None
        pod = Pod.objects.filter(name=name).first()
        if pod is None:  # removed since the page was drawn
            raise ValidationError(f"There is no pod called {name} any more.")
        return pod


def _open(store: Store) -> bool:
    return store.status in (Store.Status.ACTIVE, Store.Status.SUSPENDED)


def _trialing(store: Store) -> bool:
    record = _subscription(store)
    return record is not None and record.status == Subscription.Status.TRIALING and _open(store)


@dataclass(frozen=True)
class ConsoleAction:
    """One confirmed action on a store: its page title, permission, form, and the store states it makes sense in."""

    title: str
    permission: str
    form: type[ReasonForm]
    button: str
    # Offered (and its page opened) only for a store this says yes to, so the console never shows Suspend
    # beside Reactivate; the services refuse the wrong state too, this only keeps the buttons honest.
    applies_to: Callable[[Store], bool]
    # Why it isn't offered, when that is not the store's status (shown on its page instead of the form).
    unavailable_because: Callable[[Store], str] | None = None


ACTIONS: dict[str, ConsoleAction] = {
    "suspend": ConsoleAction(
        "Suspend store", PERM_SUSPEND, SuspendForm, "Suspend", lambda store: store.status == Store.Status.ACTIVE
    ),
    "reactivate": ConsoleAction(
        "Reactivate store",
        PERM_SUSPEND,
        ReasonForm,
        "Reactivate",
        lambda store: store.status in (Store.Status.SUSPENDED, Store.Status.CLOSED),
    ),
    "change-plan": ConsoleAction("Change plan", PERM_PLAN, ChangePlanForm, "Change plan in Stripe", _open),
    "extend-trial": ConsoleAction("Extend trial", PERM_PLAN, ExtendTrialForm, "Extend trial in Stripe", _trialing),
    "support-view": ConsoleAction(
        "View dashboard as support", PERM_SUPPORT, ReasonForm, "Open read-only dashboard", _open
    ),
    # Suspended stores move too (their data is intact, only read); a closed one waits to be purged, not moved.
    "move": ConsoleAction(
        "Move to another pod",
        PERM_MOVE,
        MoveForm,
        "Review the move",
        lambda store: _open(store) and Pod.objects.exists(),
        lambda store: (
            "there is no pod to move it to (add one with manage.py pods add NAME)"
            if _open(store)
            else f"it is {store.get_status_display()}"
        ),
    ),
}


# --- Stores ---------------------------------------------------------------------------------------------------


class StoreDomainInline(admin.TabularInline):
    model = StoreDomain
    extra = 0
    fields = ("domain", "is_primary", "created_at")
    readonly_fields = ("created_at",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)


CSV_COLUMNS = [
    ("name", "Name"),
    ("slug", "Subdomain"),
    ("custom_domains", "Custom domains"),
    ("owner_email", "Owner"),
    ("plan", "Plan"),
    ("subscription_status", "Subscription status"),
    ("trial_end", "Trial end"),
    ("status", "Store status"),
    ("created_at", "Created"),
    ("last_seller_activity_at", "Last seller activity"),
    ("product_count", "Products"),
    ("orders_30d", "Orders (30 days)"),
    ("gmv_30d", "GMV (30 days)"),
    ("gmv_currency", "GMV currency"),
    ("gmv_30d_by_currency", "GMV (30 days) by currency"),
    ("schema_bytes", "Schema bytes"),
]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = (
        "name", "hosts_column", "owner_column", "plan_column", "subscription_status_column", "trial_end_column",
        "status", "created_at", "activity_column", "products_column", "orders_column", "gmv_column", "size_column",
        "pod_column",
    )  # fmt: skip
    list_filter = (
        "status",
        ("subscription__status", admin.ChoicesFieldListFilter),
        ("subscription__plan", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("name", "slug", "domains__domain", "memberships__user__email")
    readonly_fields = ("schema_name", "slug", "status", "suspension_reason", "closed_at", "created_at", "updated_at")
    inlines = [StoreDomainInline, MembershipInline]
    actions = ["suspend", "restore", "purge"]
    list_per_page = 50
    show_full_result_count = False  # a second COUNT over every store, on every page, for one number

    def get_queryset(self, request: HttpRequest) -> QuerySet[Store]:
        return console.store_list_queryset(super().get_queryset(request)).select_related("pod")

    @admin.display(description="Pod", ordering="pod__name")
    def pod_column(self, store: Store) -> str:
        place = store.pod.name if store.pod else "platform"
        if store.moving_since is not None and is_moving(store):
            return f"{place} (moving since {store.moving_since:%Y-%m-%d %H:%M:%S} UTC)"
        return place

    # --- Columns (figures from StoreDailyStats, gathered by the stats task) ---

    @admin.display(description="Subdomain and custom domains")
    def hosts_column(self, store: Store) -> str:
        return format_html_join(mark_safe("<br>"), "{}", ((host,) for host in store.hosts or []))

    @admin.display(description="Owner", ordering="owner_email")
    def owner_column(self, store: Store) -> str:
        return store.owner_email or "—"

    @admin.display(description="Plan", ordering="subscription__plan__monthly_price")
    def plan_column(self, store: Store) -> str:
        record = _subscription(store)
        return record.plan.name if record and record.plan else "Free"

    @admin.display(description="Subscription", ordering="subscription__status")
    def subscription_status_column(self, store: Store) -> str:
        record = _subscription(store)
        return record.get_status_display() if record else "No subscription"

    @admin.display(description="Trial end", ordering="subscription__trial_end")
    def trial_end_column(self, store: Store) -> object:
        record = _subscription(store)
        return record.trial_end if record and record.trial_end else "—"

    @admin.display(description="Last seller activity", ordering="last_seller_activity_at")
    def activity_column(self, store: Store) -> object:
        return store.last_seller_activity_at or "—"

    @admin.display(description="Products", ordering="product_count")
    def products_column(self, store: Store) -> object:
        return store.product_count if store.product_count is not None else "—"

    @admin.display(description="Orders (30 d)", ordering="orders_30d")
    def orders_column(self, store: Store) -> int:
        return store.orders_30d

    @admin.display(description="GMV (30 d)", ordering="gmv_30d")
    def gmv_column(self, store: Store) -> str:
        return console.money_by_currency(console.gmv_by_currency(store.gmv_30d_days), main=store.gmv_currency)

    @admin.display(description="Schema size", ordering="schema_bytes")
    def size_column(self, store: Store) -> str:
        return console.human_bytes(store.schema_bytes)

    # --- Permissions ---

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Stores are made by provision_store only, which creates the schema with them.
        return False

    def has_suspend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERM_SUSPEND)

    def has_delete_permission(self, request: HttpRequest, obj: Store | None = None) -> bool:
        # Django's own delete (the change page's Delete link, /delete/, the "delete selected" action) would drop
        # the row without the schema, the audit row or the grace period: a store goes only by the audited purge.
        return False

    def has_purge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(archive_admin.PERM_PURGE)

    # --- URLs: the console's pages; further store pages (export, import, purge) add theirs to store_urls ---

    def get_urls(self) -> list[URLPattern]:
        return self.store_urls() + super().get_urls()

    def store_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("dashboard/", wrap(self.dashboard_view), name="tenants_store_dashboard"),
            path("export.csv", wrap(self.export_csv_view), name="tenants_store_export_csv"),
            path(
                "<int:object_id>/console/<slug:action>/",
                wrap(self.console_action_view),
                name="tenants_store_console_action",
            ),
            *archive_admin.archive_urls(self),
        ]

    def _require(self, request: HttpRequest, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied(f"This needs the {permission} permission.")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra = {"stats_pending": gather_missing_stats(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    # --- The dashboard ---

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request, PERM_DASHBOARD)
        context = {
            **self.admin_site.each_context(request),
            "title": "Platform dashboard",
            "opts": self.model._meta,
            "stats_pending": gather_missing_stats(),
            "figures": console.platform_figures(),
        }
        return TemplateResponse(request, "admin/tenants/console_dashboard.html", context)

    # --- CSV of the list as filtered, searched and sorted ---

    def export_csv_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
            stores = changelist.get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("This export has a filter the store list doesn't know; export from the list.")

        header = [label for _, label in CSV_COLUMNS]
        rows = ([_csv_value(store, key) for key, _ in CSV_COLUMNS] for store in stores.iterator(chunk_size=500))
        response = StreamingHttpResponse(
            csv_lines(itertools.chain([header], rows)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="stores-{timezone.now():%Y-%m-%d}.csv"'
        return response

    # --- One store: confirm, act, audit ---

    def console_action_view(self, request: SignedInRequest, object_id: int, action: str) -> HttpResponse:
        spec = ACTIONS.get(action)
        if spec is None:
            raise Http404("No such console action.")
        self._require(request, spec.permission)
        store = get_object_or_404(Store.objects.select_related("subscription", "pod"), pk=object_id)
        form = spec.form(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    if action == "move" and not form.cleaned_data["confirmed"]:
                        return self._confirm_move(request, store, form)
                    return self._perform(request, store, action, form.cleaned_data)
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                except stripe.StripeError as error:
                    form.add_error(None, f"Stripe refused the change: {error.user_message or error}")
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": f"{spec.title}: {store.name}",
            "opts": self.model._meta,
            "store": store,
            "action": spec,
            "form": form,
            # The page of an action the store's state rules out says so instead of asking for a reason; a form
            # sent anyway reaches the service, which refuses it with its own message.
            "unavailable": not spec.applies_to(store),
            "unavailable_because": spec.unavailable_because(store) if spec.unavailable_because else "",
            "subscription": console.subscription_snapshot(store),
            # The move's page shows where the store is and every database's load, to choose from.
            "pod_loads": pod_loads() if action == "move" else None,
            "store_place": store.pod.name if store.pod else PLATFORM_PLACE,
        }
        return TemplateResponse(request, "admin/tenants/store/confirm_action.html", context, status=status)

    def _confirm_move(self, request: SignedInRequest, store: Store, form: forms.Form) -> HttpResponse:
        """The second page of a move: the source and the target named, with the target's load, before queuing it."""
        to_pod = form.cleaned_data["target"]
        # Refused targets (the same pod, a store already moving, a pod that doesn't answer) stop here, with why.
        console_actions.check_move_target(store=store, to_pod=to_pod)
        loads = {load.name: load for load in pod_loads()}
        source, target = console_actions.place_name(store.pod), console_actions.place_name(to_pod)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Move {store.name} from {source} to {target}?",
            "opts": self.model._meta,
            "store": store,
            "form": form,
            "source": loads.get(source),
            "target": loads.get(target),
            "target_closed": to_pod is not None and not to_pod.is_open,
        }
        return TemplateResponse(request, "admin/tenants/store/confirm_move.html", context)

    def _perform(self, request: SignedInRequest, store: Store, action: str, data: dict) -> HttpResponse:
        actor, reason = request.user, data["reason"]
        performers: dict[str, Callable[[], object]] = {
            "suspend": lambda: console_actions.suspend_store_as_admin(store=store, actor=actor, reason=reason),
            "reactivate": lambda: console_actions.reactivate_store_as_admin(store=store, actor=actor, reason=reason),
            "change-plan": lambda: console_actions.change_plan_as_admin(
                store=store,
                actor=actor,
                plan=data["plan"],
                interval=data.get("interval", ""),
                reason=reason,
                trial_days=data.get("trial_days"),
            ),
            "extend-trial": lambda: console_actions.extend_trial_as_admin(
                store=store, actor=actor, days=data.get("days", 0), reason=reason
            ),
        }
        if action == "move":
            console_actions.request_store_move_as_admin(store=store, actor=actor, to_pod=data["target"], reason=reason)
            messages.success(
                request,
                f"Move of {store.name} to {console_actions.place_name(data['target'])} queued: the worker runs it "
                "in the background. Its outcome shows on this page and in the audit log.",
            )
            return redirect(reverse("admin:tenants_store_change", args=[store.pk]))
        if action == "support-view":
            token = console_actions.start_support_view(store=store, actor=actor, reason=reason)
            return HttpResponseRedirect(
                site_url(store_subdomain_host(store.slug), f"/dashboard/?support_token={token}")
            )
        performers[action]()
        messages.success(request, f"{ACTIONS[action].title}: done for {store.name}, and recorded in the audit log.")
        return redirect(reverse("admin:tenants_store_change", args=[store.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        store_id = parse_id(object_id)
        store = Store.objects.select_related("subscription", "pod").filter(pk=store_id).first() if store_id else None
        extra = {
            "console_actions": [
                (key, spec.title)
                for key, spec in ACTIONS.items()
                if store is not None and request.user.has_perm(spec.permission) and spec.applies_to(store)
            ],
            "audit_rows": AdminAction.objects.filter(store_id=store_id)[:20] if store_id else [],
            "move_state": console.store_move_state(store) if store is not None else None,
            "store_place": (store.pod.name if store.pod else PLATFORM_PLACE) if store is not None else "",
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    # --- Bulk actions from the list: the same confirmation, one reason for all ---

    def _bulk(
        self, request: HttpRequest, queryset: QuerySet[Store], *, name: str, title: str, act: Callable
    ) -> HttpResponse | None:
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, refused = [], []
            for store in queryset:
                try:
                    act(store=store, actor=request.user, reason=form.cleaned_data["reason"])
                    done.append(store.slug)
                except ValidationError as error:
                    refused.append(f"{store.slug}: {' '.join(error.messages)}")
            if done:
                messages.success(request, f"{title}: {', '.join(done)} (recorded in the audit log).")
            for line in refused:
                messages.warning(request, line)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title}: confirm",
            "opts": self.model._meta,
            "stores": list(queryset),
            "action_name": name,
            "action_title": title,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/tenants/store/confirm_bulk_action.html", context)

    @admin.action(description="Suspend: the storefront stops answering (asks for a reason)", permissions=["suspend"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Store]) -> HttpResponse | None:
        return self._bulk(
            request, queryset, name="suspend", title="Suspend", act=console_actions.suspend_store_as_admin
        )

    @admin.action(
        description="Reactivate: reopen suspended or closed stores (asks for a reason)", permissions=["suspend"]
    )
    def restore(self, request: HttpRequest, queryset: QuerySet[Store]) -> HttpResponse | None:
        return self._bulk(
            request, queryset, name="restore", title="Reactivate", act=console_actions.reactivate_store_as_admin
        )

    @admin.action(
        description="Purge: delete closed stores past their grace period, for good (asks for a reason)",
        permissions=["purge"],
    )
    def purge(self, request: HttpRequest, queryset: QuerySet[Store]) -> HttpResponse | None:
        # In bulk only stores past their grace period go; purging one sooner is done on its own page, by typing
        # its subdomain (purge_closed_store refuses the rest with the reason, shown per store).
        return self._bulk(request, queryset, name="purge", title="Purge", act=_purge_after_grace_period)


def _purge_after_grace_period(*, store: Store, actor: User, reason: str) -> None:
    purge_closed_store(store=store, actor=actor, confirmation=None, reason=reason)


def _subscription(store: Store) -> Subscription | None:
    try:
        return store.subscription
    except Subscription.DoesNotExist:
        return None


def _csv_value(store: Store, key: str) -> object:
    record = _subscription(store)
    hosts = store.hosts or []
    values = {
        "custom_domains": " ".join(host for host in hosts if host != store_subdomain_host(store.slug)),
        "slug": store_subdomain_host(store.slug),
        "plan": record.plan.code if record and record.plan else "free",
        "subscription_status": record.status if record else Subscription.Status.NONE,
        "trial_end": record.trial_end.isoformat() if record and record.trial_end else "",
        "gmv_30d_by_currency": console.money_by_currency(
            console.gmv_by_currency(store.gmv_30d_days), main=store.gmv_currency
        ),
    }
    value = values[key] if key in values else getattr(store, key)
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    # Names, emails and domains come from sellers.
    return formula_safe(value) if isinstance(value, str) else value


# --- The audit log: readable, never editable ----------------------------------------------------------------


@admin.register(AdminAction)
class AdminActionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_email", "kind", "store_slug", "reason")
    list_filter = ("kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("store_slug", "actor_email", "reason")
    readonly_fields = (
        "created_at", "actor_email", "actor_id", "kind", "store_slug", "store_id", "reason", "before", "after",
    )  # fmt: skip
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AdminAction | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AdminAction | None = None) -> bool:
        return False


# --- The review moderation queue ----------------------------------------------------------------------------


class ModerationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (ReviewModeration.Status.APPROVED, "Approve: the review stays"),
            (ReviewModeration.Status.HIDDEN, "Hide the review"),
            (ReviewModeration.Status.WARNED, "Warn the buyer (the review stays)"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Kept in the audit log; a hidden review shows it to the seller, a warning sends it to the buyer.",
    )


@admin.register(ReviewModeration)
class ReviewModerationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "store_slug", "product_title", "rating", "reason", "status", "decide_link")
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("store__slug", "store__name", "product_title", "reason", "body")
    list_select_related = ("store",)
    readonly_fields = (
        "store", "review_id", "report_id", "product_title", "rating", "body", "author_name", "buyer_email",
        "reason", "reported_by", "status", "decision_reason", "decided_by", "created_at", "decided_at",
    )  # fmt: skip

    @admin.display(description="Store", ordering="store__slug")
    def store_slug(self, entry: ReviewModeration) -> str:
        return entry.store.slug

    @admin.display(description="")
    def decide_link(self, entry: ReviewModeration) -> str:
        if entry.status != ReviewModeration.Status.OPEN:
            return ""
        return format_html_join(
            "", '<a href="{}">Decide</a>', [(reverse("admin:tenants_reviewmoderation_decide", args=[entry.pk]),)]
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReviewModeration | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        decide = path(
            "<str:entry_id>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="tenants_reviewmoderation_decide",
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request: HttpRequest, entry_id: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        pk = parse_id(entry_id)
        entry = get_object_or_404(ReviewModeration.objects.select_related("store"), pk=pk if pk is not None else 0)
        form = ModerationDecisionForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    moderation.decide(
                        entry=entry,
                        status=form.cleaned_data["decision"],
                        reason=form.cleaned_data["reason"],
                        actor=cast(User, request.user),
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, f"Report {entry.pk} from {entry.store.slug} decided.")
                    return redirect("admin:tenants_reviewmoderation_changelist")
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "entry": entry,
            "form": form,
            "title": f"Report from {entry.store.name}",
        }
        return TemplateResponse(request, "admin/tenants/reviewmoderation/decide.html", context, status=status)
