"""The buyer's account pages under /account/ on a store's host; never served from the page cache."""

import secrets
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platform.accounts import signin_guard
from platform.buyers.bridge import redeem_store_signin, signin_start_url
from platform.kit import ratelimit
from platform.kit.forms import add_service_errors
from storefront.orders.selectors import order_by_token
from storefront.themes.rendering import render_themed
from tenants.connection import connection
from tenants.request_types import StoreRequest

from . import forms, marketplace, selectors, services
from .session import current_customer, refresh_password_hash, sign_in, sign_out, signed_in_customer

SIGN_IN_FAILED = gettext_lazy("Email or password is incorrect.")
TOO_MANY = gettext_lazy("Too many attempts. For your security, please wait a few minutes and try again.")


def render_account_page(request: HttpRequest, name: str, context: dict, status: int = 200) -> HttpResponse:
    """Render one of these pages in the store's theme: a theme may override ``customers/<name>``."""
    context = {"customer": current_customer(request), **context}
    return render_themed(request, f"customers/{name}", context, status, fallback=f"storefront/customers/{name}")


def _next_path(request: HttpRequest) -> str:
    """Where to go after signing in: a path on this host only, the account page otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/account/"


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send a visitor who is not signed in to the sign-in page, and back here afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if current_customer(request) is None:
            back = request.path if request.method == "GET" else "/account/"
            return redirect(f"/account/signin/?{urlencode({'next': back})}")
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = forms.SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not ratelimit.allow(f"customers:signup:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                customer = services.register_customer(**form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                sign_in(request, customer)
                messages.success(request, _("Welcome! Your account is ready."))
                return redirect(_next_path(request))
    context = {"form": form, "next": _next_path(request), "title": "Create an account"}
    return render_account_page(request, "signup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    form = forms.SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        # A buyer account is this store's alone, so its lockout is too; the client's address counts everywhere.
        account = signin_guard.buyer_account(connection.schema_name, request.POST.get("email", ""))
        try:
            if signin_guard.is_locked(request, account=account):
                raise signin_guard.SignInLocked
            if form.is_valid():
                credentials = form.cleaned_data
                customer = signin_guard.attempt(
                    request, account=account, check=lambda: services.authenticate_customer(**credentials)
                )
                if customer is not None:
                    sign_in(request, customer)
                    return redirect(_next_path(request))
                form.add_error(None, SIGN_IN_FAILED)
        except signin_guard.SignInLocked:
            form.add_error(None, TOO_MANY)
            status = 429
    context = {"form": form, "next": _next_path(request), "title": "Sign in"}
    return render_account_page(request, "signin.html", context, status=status)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect("/")


@require_GET
@customer_required
def account(request: HttpRequest) -> HttpResponse:
    customer = signed_in_customer(request)
    context = {"orders": list(selectors.orders_of(customer)), "title": "Your account"}
    return render_account_page(request, "account.html", context)


@require_http_methods(["GET", "POST"])
@customer_required
def password_change(request: HttpRequest) -> HttpResponse:
    customer = signed_in_customer(request)
    form = forms.PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not ratelimit.allow(f"customers:password:{customer.pk}", limit=10, window_seconds=300):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                services.change_password(customer=customer, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                refresh_password_hash(request, customer)
                messages.success(request, _("Your password was changed."))
                return redirect("/account/")
    return render_account_page(request, "password_change.html", {"form": form, "title": "Change password"}, status)


@require_http_methods(["GET", "POST"])
def password_reset(request: StoreRequest) -> HttpResponse:
    form = forms.PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not ratelimit.allow(f"customers:reset:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            services.request_password_reset(
                email=form.cleaned_data["email"],
                site_url=f"{request.scheme}://{request.get_host()}",
                store_name=request.store.name,
            )
            # The same answer whether or not there is such an account, so the form tells nobody who shops here.
            return render_account_page(
                request,
                "password_reset_sent.html",
                {"email": services.normalise_email(form.cleaned_data["email"]), "title": "Check your email"},
            )
    return render_account_page(request, "password_reset.html", {"form": form, "title": "Reset your password"}, status)


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    form = forms.PasswordResetForm(request.POST or None)
    valid_link = services.customer_for_reset(uid=uid, token=token) is not None
    status = 200 if valid_link else 400
    if request.method == "POST" and valid_link:
        status = 400
        if form.is_valid():
            try:
                customer = services.reset_password(uid=uid, token=token, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                sign_in(request, customer)
                messages.success(request, _("Your new password is set, and you are signed in."))
                return redirect("/account/")
    context = {"form": form, "valid_link": valid_link, "title": "Choose a new password"}
    return render_account_page(request, "password_reset_confirm.html", context, status=status)


@require_POST
@customer_required
def claim_order(request: HttpRequest) -> HttpResponse:
    """Add a guest order to the account from its order page: the secret token and the same email are both needed."""
    order = order_by_token(request.POST.get("token", ""))
    if order is None:
        raise Http404("No such order.")
    if services.claim_order(customer=signed_in_customer(request), order=order):
        messages.success(request, _("Order #%(number)s is now in your account.") % {"number": order.pk})
    else:
        messages.error(request, _("Order #%(number)s cannot be added to this account.") % {"number": order.pk})
    return redirect("/account/")


# "Sign in with Mercato": the store begins the flow with a random state kept in its own session, the platform site
# signs the buyer in there and hands them back with a one-time token carrying that state (platform.buyers.bridge).
MERCATO_STATE_KEY = "mercato_signin"


def _begin_mercato(request: StoreRequest, *, link: bool) -> HttpResponse:
    state = secrets.token_urlsafe(24)
    customer = current_customer(request)
    request.session[MERCATO_STATE_KEY] = {
        "state": state,
        "link": customer.pk if (link and customer is not None) else None,
    }
    return HttpResponseRedirect(
        signin_start_url(
            store=request.store,
            # The host this request was routed by (a custom domain or the subdomain): the state is in its session.
            host=request.store.domain_url,
            state=state,
            next_path="/account/" if link else _next_path(request),
        )
    )


@require_POST
def mercato_signin(request: StoreRequest) -> HttpResponse:
    """The "Sign in with Mercato" button: off to the platform site, which sends the buyer back signed in."""
    return _begin_mercato(request, link=False)


@require_POST
@customer_required
def mercato_link(request: StoreRequest) -> HttpResponse:
    """Link this store account (signed in with its own password) to the buyer's Mercato account."""
    return _begin_mercato(request, link=True)


@require_POST
@customer_required
def mercato_unlink(request: StoreRequest) -> HttpResponse:
    marketplace.unlink_customer(customer=signed_in_customer(request))
    messages.success(request, _("This account is no longer linked to your Mercato account."))
    return redirect("/account/")


@require_GET
def mercato_return(request: StoreRequest) -> HttpResponse:
    """Where the platform site hands the buyer back: a genuine, fresh, unused token for this store, for the flow this
    browser began here, signs them in (or links the account they began it from)."""
    token = request.GET.get("token", "")
    pending = request.session.pop(MERCATO_STATE_KEY, None)
    if not token or len(token) > 1000:
        return _mercato_refused(request, _("This sign-in link is not valid."))
    try:
        handed_over = redeem_store_signin(token=token, store=request.store)
    except PermissionDenied as error:
        return _mercato_refused(request, str(error))
    if not isinstance(pending, dict) or not constant_time_compare(str(pending.get("state", "")), handed_over.state):
        return _mercato_refused(request, _("This sign-in was not started from this browser. Start it again here."))
    if pending.get("link") is not None:
        customer = current_customer(request)
        if customer is None or customer.pk != pending["link"]:
            return _mercato_refused(request, _("Sign in to this store's account again, then link it."))
        try:
            marketplace.link_customer(customer=customer, handed_over=handed_over)
        except ValidationError as error:
            return _mercato_refused(request, " ".join(error.messages))
        messages.success(request, _("This account is now linked to your Mercato account."))
        return redirect("/account/")
    try:
        customer = marketplace.customer_for_buyer(handed_over=handed_over)
    except marketplace.EmailHasStoreAccount:
        context = {"title": "Sign in with Mercato", "email": handed_over.email}
        return render_account_page(request, "mercato_email_taken.html", context, status=409)
    sign_in(request, customer)
    return redirect(handed_over.next_path)


def _mercato_refused(request: HttpRequest, message: str) -> HttpResponse:
    context = {"title": "Sign in with Mercato", "message": message}
    return render_account_page(request, "mercato_refused.html", context, status=403)
