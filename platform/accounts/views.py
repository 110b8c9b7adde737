"""The platform site's account pages: sign up, sign in, your stores, and the hand-off to a store's dashboard."""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from platform.kit import ratelimit
from platform.kit.hosts import site_url
from tenants.models import ProvisioningJob, Store
from tenants.request_types import SignedInRequest
from tenants.selectors import store_subdomain_host, suggest_store_slug
from tenants.services import ProvisioningError, validate_new_store

from . import signin_guard
from .forms import LoginForm, QueuedPasswordResetForm, SignupConfirmForm, SignupForm
from .models import User
from .selectors import memberships_of
from .services import (
    SIGNUP_LINK_INVALID,
    confirm_signup,
    make_handoff_token,
    open_store_for,
    pending_signup,
    request_signup,
)

LOGIN_FAILED = gettext_lazy("Email or password is incorrect.")


def _too_many(request: HttpRequest, minutes: int) -> HttpResponse:
    return render(request, "platform/too_many_attempts.html", {"minutes": minutes}, status=429)


def store_dashboard_handoff_url(*, user: User, store: Store) -> str:
    token = make_handoff_token(user=user, store=store)
    return site_url(store_subdomain_host(store.slug), f"/dashboard/handoff/?token={token}")


def signup(request: HttpRequest) -> HttpResponse:
    """Open a store. The answer doesn't depend on whether the email has an account: a weak password or a taken
    subdomain is refused alike, and otherwise the page says to check the inbox (where a link, or a note that the
    address already has an account, waits). Only the account's own password opens the store at once."""
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.allow(f"signup:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600):
            return _too_many(request, 60)
        if form.is_valid():
            data = form.cleaned_data
            if not data["slug"].strip():
                data["slug"] = suggest_store_slug(data["store_name"])
            email, password = data["email"].strip().lower(), data["password"]
            try:
                validate_new_store(name=data["store_name"], slug=data["slug"])
                owner = signin_guard.attempt(
                    request,
                    account=signin_guard.platform_account(email),
                    check=lambda: auth.authenticate(request, username=email, password=password),
                )
                if owner is None:
                    request_signup(email=email, password=password, store_name=data["store_name"], slug=data["slug"])
                    return render(request, "platform/signup_sent.html", {"email": email})
                return _open_store(request, owner, open_store_for(user=owner, **_store_of(data)))
            except signin_guard.SignInLocked:
                return _too_many(request, signin_guard.WINDOW_MINUTES)
            except ValidationError as error:
                _add_errors(form, error)
            except ProvisioningError as error:
                form.add_error(None, str(error))
    status = 400 if request.method == "POST" else 200
    return render(request, "platform/signup.html", {"form": form, "base_domain": settings.BASE_DOMAIN}, status=status)


def signup_subdomain(request: HttpRequest) -> HttpResponse:
    """The free subdomain for the store name being typed on the sign-up page (its script asks as the seller types)."""
    if not ratelimit.allow(f"signup-subdomain:{ratelimit.client_ip(request)}", limit=600, window_seconds=3600):
        return JsonResponse({"detail": gettext("Too many requests; type the subdomain yourself.")}, status=429)
    name = request.GET.get("name", "").strip()
    if not name or len(name) > SignupForm.base_fields["store_name"].max_length:  # type: ignore[attr-defined]  # a CharField
        return JsonResponse({"detail": gettext("Give a store name of 1 to 100 characters."), "slug": ""}, status=400)
    slug = suggest_store_slug(name)
    return JsonResponse({"slug": slug, "host": store_subdomain_host(slug) if slug else ""})


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the sign-up email: a button (mail scanners open links, so a GET changes nothing) that makes
    the store and signs its owner in; the subdomain can be changed here if someone took it meanwhile."""
    pending = pending_signup(token)
    if pending is None:
        return render(request, "platform/signup_link_invalid.html", {"message": SIGNUP_LINK_INVALID}, status=410)
    form = SignupConfirmForm(request.POST or None, initial={"slug": pending.slug})
    if request.method == "POST" and form.is_valid():
        try:
            user, store = confirm_signup(token=token, slug=form.cleaned_data["slug"])
        except PermissionDenied:
            return render(request, "platform/signup_link_invalid.html", {"message": SIGNUP_LINK_INVALID}, status=410)
        except ValidationError as error:
            _add_errors(form, error)
        except ProvisioningError as error:
            form.add_error(None, str(error))
        else:
            return _open_store(request, user, store)
    context = {"form": form, "pending": pending, "base_domain": settings.BASE_DOMAIN}
    return render(request, "platform/signup_confirm.html", context, status=400 if form.errors else 200)


def _store_of(data: dict) -> dict:
    return {"store_name": data["store_name"], "slug": data["slug"]}


def _add_errors(form: Form, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def _open_store(request: HttpRequest, user: User, store: Store | ProvisioningJob) -> HttpResponse:
    """Sign the owner in here and send them to their new store's dashboard, or to wait for it."""
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if isinstance(store, ProvisioningJob):  # no ready schema: a worker makes the store
        return redirect("signup-progress", job_id=store.pk)
    return HttpResponseRedirect(store_dashboard_handoff_url(user=user, store=store))


@login_required
def signup_progress(request: SignedInRequest, job_id: str) -> HttpResponse:
    """The page a seller waits on while their store is made; it refreshes itself (and works without JS)."""
    job = get_object_or_404(ProvisioningJob, pk=job_id, user=request.user)
    state = _job_state(request, job)
    if request.headers.get("Accept") == "application/json" or request.GET.get("format") == "json":
        return JsonResponse(state)
    if state["status"] == ProvisioningJob.Status.DONE:
        return HttpResponseRedirect(state["next"])
    return render(request, "platform/signup_progress.html", {"job": job, "state": state})


def _job_state(request: SignedInRequest, job: ProvisioningJob) -> dict:
    state = {"status": job.status, "error": job.error, "next": None}
    if job.status == ProvisioningJob.Status.DONE and job.store is not None:
        state["next"] = store_dashboard_handoff_url(user=request.user, store=job.store)
    return state


def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST":
        account = signin_guard.platform_account(request.POST.get("email", ""))
        if signin_guard.is_locked(request, account=account):
            return _too_many(request, signin_guard.WINDOW_MINUTES)
        if form.is_valid():
            email, password = form.cleaned_data["email"].lower(), form.cleaned_data["password"]
            try:
                user = signin_guard.attempt(
                    request,
                    account=account,
                    check=lambda: auth.authenticate(request, username=email, password=password),
                )
            except signin_guard.SignInLocked:
                return _too_many(request, signin_guard.WINDOW_MINUTES)
            if user is not None:
                auth.login(request, user)
                return redirect("account")
            form.add_error(None, LOGIN_FAILED)
    return render(request, "platform/login.html", {"form": form}, status=400 if request.method == "POST" else 200)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("platform-home")


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    return render(request, "platform/account.html", {"memberships": memberships_of(request.user)})


@login_required
@require_POST
def open_store(request: SignedInRequest, slug: str) -> HttpResponse:
    """Send the person to their store's dashboard, signed in there through a one-time hand-off token."""
    store = get_object_or_404(Store, slug=slug, memberships__user=request.user)
    return HttpResponseRedirect(store_dashboard_handoff_url(user=request.user, store=store))


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "platform/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-sent")

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not ratelimit.allow(f"reset:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600):
            return _too_many(request, 60)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "platform/password_reset_confirm.html"
    success_url = reverse_lazy("login")
    post_reset_login = False
