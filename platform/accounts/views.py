"""The platform site's account pages: sign up, sign in, your stores, and the hand-off to a store's dashboard."""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from platform.kit import ratelimit
from platform.kit.hosts import site_url
from tenants.models import ProvisioningJob, Store
from tenants.request_types import SignedInRequest
from tenants.selectors import store_subdomain_host
from tenants.services import ProvisioningError

from .forms import LoginForm, QueuedPasswordResetForm, SignupForm
from .models import User
from .selectors import memberships_of
from .services import make_handoff_token, register_seller

LOGIN_FAILED = "Email or password is incorrect."


def _too_many(request: HttpRequest, minutes: int) -> HttpResponse:
    return render(request, "platform/too_many_attempts.html", {"minutes": minutes}, status=429)


def store_dashboard_handoff_url(*, user: User, store: Store) -> str:
    token = make_handoff_token(user=user, store=store)
    return site_url(store_subdomain_host(store.slug), f"/dashboard/handoff/?token={token}")


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.allow(f"signup:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600):
            return _too_many(request, 60)
        if form.is_valid():
            try:
                user, store = register_seller(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    store_name=form.cleaned_data["store_name"],
                    slug=form.cleaned_data["slug"],
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
            except ProvisioningError as error:
                form.add_error(None, str(error))
            else:
                auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                if isinstance(store, ProvisioningJob):  # no ready schema: a worker makes the store
                    return redirect("signup-progress", job_id=store.pk)
                return HttpResponseRedirect(store_dashboard_handoff_url(user=user, store=store))
    status = 400 if request.method == "POST" else 200
    return render(request, "platform/signup.html", {"form": form, "base_domain": settings.BASE_DOMAIN}, status=status)


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
        ip = ratelimit.client_ip(request)
        email = request.POST.get("email", "").strip().lower()
        if not (
            ratelimit.allow(f"login:ip:{ip}", limit=30, window_seconds=300)
            and ratelimit.allow(f"login:email:{email}", limit=10, window_seconds=300)
        ):
            return _too_many(request, 5)
        if form.is_valid():
            user = auth.authenticate(
                request, username=form.cleaned_data["email"].lower(), password=form.cleaned_data["password"]
            )
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
