"""Dashboard pages: each parses the request, checks the role, calls one service and renders."""

from django.contrib import auth, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform.accounts import signin_guard
from platform.accounts.services import redeem_handoff_token
from platform.directory.selectors import directory_card
from platform.directory.services import set_directory_preferences
from platform.kit.forms import add_service_errors
from storefront.seller_access import require_role
from storefront.themes import selectors as theme_selectors
from storefront.themes import services as theme_services
from storefront.themes.models import NavigationLink, Page
from tenants import services as store_services
from tenants.models import DomainClaim, Invitation, Membership, Role
from tenants.request_types import DashboardRequest, StoreRequest
from tenants.services import VERIFICATION_PATH

from . import forms, overview


def _render(request: HttpRequest, template: str, context: dict, form: BaseForm | None = None) -> HttpResponse:
    status = 400 if request.method == "POST" and form is not None and form.errors else 200
    return render(request, template, {"membership": getattr(request, "membership", None), **context}, status=status)


# --- Signing in on the store's host ------------------------------------------------------------------------


def login(request: StoreRequest) -> HttpResponse:
    form = forms.DashboardLoginForm(request.POST or None)
    next_url = request.GET.get("next") or request.POST.get("next") or "/dashboard/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/dashboard/"
    if request.method == "POST":
        email = request.POST.get("email", "").strip().lower()
        # One count per account for every store's login and the platform's: another store's page is no way round.
        account = signin_guard.platform_account(email)
        if signin_guard.is_locked(request, account=account):
            return _too_many(request)
        if form.is_valid():
            password = form.cleaned_data["password"]
            try:
                user = signin_guard.attempt(
                    request,
                    account=account,
                    check=lambda: auth.authenticate(request, username=email, password=password),
                )
            except signin_guard.SignInLocked:
                return _too_many(request)
            # One message for a wrong password, an unknown email and a non-member: none of them is revealed.
            if user is not None and Membership.objects.filter(user=user, store=request.store).exists():
                auth.login(request, user)
                return redirect(next_url)
            form.add_error(None, _("Email or password is incorrect, or this account has no access to this store."))
    return _render(request, "dashboard/login.html", {"form": form, "next": next_url}, form)


def _too_many(request: HttpRequest) -> HttpResponse:
    context = {"minutes": signin_guard.WINDOW_MINUTES}
    return render(request, "platform/too_many_attempts.html", context, status=429)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("/")


def handoff(request: StoreRequest) -> HttpResponse:
    """Finish the sign-in that started on the platform site."""
    user = redeem_handoff_token(token=request.GET.get("token", ""), store=request.store)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("dashboard-home")


def accept_invitation(request: StoreRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.filter(token_hash=Invitation.hash_token(token), store=request.store).first()
    if invitation is None or not invitation.is_usable:
        return render(request, "dashboard/invitation_invalid.html", status=410)
    form = forms.AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Proving an existing account's password here counts like signing in: a wrong one is a failure.
        account = signin_guard.platform_account(invitation.email)
        if signin_guard.is_locked(request, account=account):
            return _too_many(request)
        try:
            user, _created = store_services.join_by_invitation(
                token=token, store=request.store, password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            if any(
                problem.code == "wrong_password" for problem in getattr(error, "error_dict", {}).get("password", [])
            ):
                signin_guard.record_failure(request, account=account)
            add_service_errors(form, error)
        else:
            auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(store)s.") % {"store": request.store.name})
            return redirect("dashboard-home")
    return _render(request, "dashboard/accept_invitation.html", {"invitation": invitation, "form": form}, form)


# --- Dashboard pages --------------------------------------------------------------------------------------


@require_role(Role.STAFF)
def home(request: DashboardRequest) -> HttpResponse:
    context = {"checklist": overview.setup_checklist(request.store), "figures": overview.overview_figures()}
    return _render(request, "dashboard/home.html", context)


@require_role(Role.MANAGER)
def store_settings(request: DashboardRequest) -> HttpResponse:
    profile = theme_selectors.store_profile()
    card = directory_card(store_id=request.store.pk)
    initial: dict[str, object] = {"name": request.store.name}
    if card is not None:
        initial |= {"list_in_directory": not card.opted_out, "hide_sold_out_in_directory": card.hide_out_of_stock}
    form = forms.StoreSettingsForm(request.POST or None, request.FILES or None, instance=profile, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in forms.StoreSettingsForm.Meta.fields}
        try:
            theme_services.update_profile(profile=profile, logo=form.cleaned_data.get("logo_upload"), **fields)
            store_services.rename_store(store=request.store, name=form.cleaned_data["name"])
            set_directory_preferences(
                store=request.store,
                opted_out=not form.cleaned_data["list_in_directory"],
                hide_out_of_stock=form.cleaned_data["hide_sold_out_in_directory"],
            )
        except ValidationError as error:
            add_service_errors(form, _rename_field(error, "logo", "logo_upload"))
        else:
            messages.success(request, _("Settings saved. Your storefront shows them now."))
            return redirect("dashboard-settings")
    return _render(request, "dashboard/settings.html", {"form": form, "profile": profile}, form)


def _rename_field(error: ValidationError, old: str, new: str) -> ValidationError:
    if hasattr(error, "error_dict") and old in error.error_dict:
        return ValidationError({new if key == old else key: value for key, value in error.error_dict.items()})
    return error


@require_role(Role.MANAGER)
def homepage(request: DashboardRequest) -> HttpResponse:
    profile = theme_selectors.store_profile()
    form = forms.HomepageForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            theme_services.update_profile(
                profile=profile,
                hero_image=form.cleaned_data.get("hero_upload"),
                hero_title=form.cleaned_data["hero_title"],
                hero_text=form.cleaned_data["hero_text"],
                show_featured_products=form.cleaned_data["show_featured_products"],
                featured_collection=form.cleaned_data["featured_collection"],
            )
            theme_services.set_featured_products(profile=profile, products=form.cleaned_data["featured_products"])
        except ValidationError as error:
            add_service_errors(form, _rename_field(error, "hero_image", "hero_upload"))
        else:
            messages.success(request, _("Homepage saved."))
            return redirect("dashboard-homepage")
    return _render(request, "dashboard/homepage.html", {"form": form, "profile": profile}, form)


@require_role(Role.MANAGER)
def pages(request: DashboardRequest) -> HttpResponse:
    return _render(request, "dashboard/pages.html", {"pages": Page.objects.all()})


@require_role(Role.MANAGER)
def page_edit(request: DashboardRequest, slug: str | None = None) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug) if slug else None
    initial = {"title": page.title, "body": page.body, "is_published": page.is_published} if page else None
    form = forms.PageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = theme_services.save_page(page=page, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” saved.") % {"title": saved.title})
            return redirect("dashboard-pages")
    return _render(request, "dashboard/page_edit.html", {"form": form, "page": page}, form)


@require_role(Role.MANAGER)
def page_translations(request: DashboardRequest, slug: str) -> HttpResponse:
    """The page's title and text in the store's extra languages (Settings chooses them)."""
    page = get_object_or_404(Page, slug=slug)
    languages = theme_selectors.translatable_languages()
    form: forms.ContentTranslationsForm
    if request.method == "POST":
        form = forms.PageTranslationsForm(request.POST, languages=languages)
    else:
        form = forms.PageTranslationsForm.of(page.translations.all(), languages)
    if request.method == "POST" and form.is_valid():
        texts = {language: theme_services.PageText(**text) for language, text in form.texts().items()}
        try:
            theme_services.save_page_translations(page=page, texts=texts)
        except ValidationError as error:
            add_service_errors(form, _dashed(error))
        else:
            messages.success(request, _("Translations of “%(title)s” saved.") % {"title": page.title})
            return redirect("dashboard-page-translations", slug=page.slug)
    context = {"form": form, "title": page.title, "back": f"/dashboard/pages/{page.slug}/"}
    return _render(request, "dashboard/content_translations.html", context, form)


def _dashed(error: ValidationError) -> ValidationError:
    """A translation service's errors (``zh-hans.title``) under the form's field names (``zh-hans-title``)."""
    return ValidationError({key.replace(".", "-"): found for key, found in error.message_dict.items()})


@require_role(Role.MANAGER)
def navigation_translations(request: DashboardRequest) -> HttpResponse:
    """Every menu entry's label in the store's extra languages."""
    links = list(NavigationLink.objects.select_related("page").prefetch_related("translations"))
    languages = theme_selectors.translatable_languages()
    form = forms.MenuTranslationsForm(request.POST or None, links=links, languages=languages)
    if request.method == "POST" and form.is_valid():
        try:
            theme_services.save_menu_translations(labels=form.labels())
        except ValidationError as error:
            add_service_errors(form, _dashed(error))
        else:
            messages.success(request, _("Menu translations saved."))
            return redirect("dashboard-navigation-translations")
    context = {"form": form, "title": _("Menu"), "back": "/dashboard/navigation/"}
    return _render(request, "dashboard/content_translations.html", context, form)


@require_role(Role.MANAGER)
def navigation(request: DashboardRequest) -> HttpResponse:
    links = [{"label": link.label, "page_id": str(link.page_id or ""), "url": link.url}
             for link in NavigationLink.objects.all()]  # fmt: skip
    form = forms.NavigationForm(request.POST or None, pages=list(Page.objects.all()), initial_links=links)
    if request.method == "POST" and form.is_valid():
        try:
            theme_services.replace_navigation(links=form.links())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Menu saved."))
            return redirect("dashboard-navigation")
    return _render(request, "dashboard/navigation.html", {"form": form}, form)


@require_role(Role.OWNER)
def staff(request: DashboardRequest) -> HttpResponse:
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _sent = store_services.invite_staff(
                store=request.store, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("dashboard-staff")
    context = {
        "form": form,
        "members": request.store.memberships.select_related("user").order_by("created_at"),
        "invitations": request.store.invitations.filter(accepted_at__isnull=True),
    }
    return _render(request, "dashboard/staff.html", context, form)


@require_role(Role.OWNER)
@require_POST
def staff_remove(request: DashboardRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, store=request.store)
    try:
        store_services.remove_staff(store=request.store, membership=membership, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("%(email)s no longer has access.") % {"email": membership.user.email})
    return redirect("dashboard-staff")


@require_role(Role.OWNER)
def domains(request: DashboardRequest) -> HttpResponse:
    form = forms.DomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store_services.add_custom_domain(store=request.store, domain=form.cleaned_data["domain"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("dashboard-domains")
    context = {"form": form, "claims": request.store.domain_claims.all(), "verification_path": VERIFICATION_PATH}
    return _render(request, "dashboard/domains.html", context, form)


@require_role(Role.OWNER)
@require_POST
def domain_verify(request: DashboardRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(DomainClaim, pk=claim_id, store=request.store)
    claim = store_services.verify_custom_domain(claim=claim)
    if claim.verified_at:
        messages.success(request, _("%(domain)s is verified: your store answers there now.") % {"domain": claim.domain})
    else:
        messages.error(request, claim.last_error)
    return redirect("dashboard-domains")


@require_role(Role.OWNER)
@require_POST
def domain_remove(request: DashboardRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(DomainClaim, pk=claim_id, store=request.store)
    store_services.remove_custom_domain(store=request.store, domain=claim.domain)
    messages.success(request, _("%(domain)s was disconnected.") % {"domain": claim.domain})
    return redirect("dashboard-domains")


@require_role(Role.OWNER)
def close(request: DashboardRequest) -> HttpResponse:
    form = forms.CloseStoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store_services.close_store(
                store=request.store, actor=request.user, confirmation=form.cleaned_data["confirmation"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            auth.logout(request)
            return render(request, "dashboard/closed.html", {"closed_store": request.store})
    return _render(request, "dashboard/close.html", {"form": form}, form)


# --- Billing (the store's plan; billing.services talks to Stripe) -------------------------------------------


@require_role(Role.OWNER)
def billing(request: DashboardRequest) -> HttpResponse:
    from billing import selectors as billing_selectors
    from billing import services as billing_services
    from billing.models import Plan

    form = forms.ChoosePlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = Plan.objects.filter(code=form.cleaned_data["plan"], is_public=True).first()
        interval = form.cleaned_data["interval"]
        record = billing_selectors.subscription_for_store(request.store)
        try:
            if plan is None:
                raise ValidationError(_("Choose one of the plans shown."))
            if record is None or not record.is_live:
                url = billing_services.start_checkout(
                    store=request.store,
                    plan=plan,
                    interval=interval,
                    success_url=request.build_absolute_uri("/dashboard/billing/?checkout=done"),
                    cancel_url=request.build_absolute_uri("/dashboard/billing/"),
                )
                return redirect(url)
            billing_services.change_plan(store=request.store, plan=plan, interval=interval)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                (
                    _("You're on the %(plan)s plan (monthly) now.")
                    if interval == "month"
                    else _("You're on the %(plan)s plan (yearly) now.")
                )
                % {"plan": plan.name},
            )
            return redirect("dashboard-billing")
    overview = billing_selectors.overview(request.store)
    context = {
        "form": form,
        "overview": overview,
        "plans": billing_selectors.public_plans(),
        "processing": request.GET.get("checkout") == "done"
        and not (overview.subscription and overview.subscription.is_live),
    }
    return _render(request, "dashboard/billing.html", context, form)


def _billing_action(request: DashboardRequest, *, cancel: bool) -> HttpResponse:
    from billing import services as billing_services

    try:
        billing_services.set_cancel_at_period_end(store=request.store, cancel=cancel)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your plan ends with this period.") if cancel else _("Your plan continues."))
    return redirect("dashboard-billing")


@require_role(Role.OWNER)
@require_POST
def billing_cancel(request: DashboardRequest) -> HttpResponse:
    return _billing_action(request, cancel=True)


@require_role(Role.OWNER)
@require_POST
def billing_resume(request: DashboardRequest) -> HttpResponse:
    return _billing_action(request, cancel=False)


@require_role(Role.OWNER)
@require_POST
def billing_portal(request: DashboardRequest) -> HttpResponse:
    from billing import services as billing_services

    return redirect(
        billing_services.portal_url(store=request.store, return_url=request.build_absolute_uri("/dashboard/billing/"))
    )
