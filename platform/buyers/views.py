"""The marketplace buyer's pages on the platform site, under /buyer/: account, favourites, follows, hand-off."""

import re
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platform.accounts import signin_guard
from platform.kit import ratelimit
from platform.kit.forms import add_service_errors
from platform.kit.hosts import site_url
from platform.kit.ids import id_or_404, parse_id
from tenants.models import Store, StoreDomain
from tenants.selectors import store_subdomain_host

from . import forms, selectors, services
from .directory_reads import listing_reader
from .models import Buyer
from .session import current_buyer, sign_in, sign_out

SIGN_IN_FAILED = gettext_lazy("Email or password is incorrect.")
TOO_MANY = gettext_lazy("Too many attempts. For your security, please wait a few minutes and try again.")
# The state a store's host sends along with a sign-in: its own random value, checked when the buyer comes back.
STATE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _render(request: HttpRequest, name: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, f"platform/buyers/{name}", {"buyer": current_buyer(request), **context}, status=status)


def _platform_path(target: str, default: str = "/buyer/") -> str:
    """A path on the platform site to go to next; anything else (another host, a scheme) is the default."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return default


def _store_path(target: str) -> str:
    """A path on the store's host the buyer goes back to after signing in there; its home page otherwise."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) <= 500:
        return target
    return "/"


def buyer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send a visitor who is not signed in as a buyer to the sign-in page, and back here afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if current_buyer(request) is None:
            back = request.get_full_path() if request.method == "GET" else "/buyer/"
            return redirect(f"/buyer/signin/?{urlencode({'next': back})}")
        return view(request, *args, **kwargs)

    return wrapped


def signed_in_buyer(request: HttpRequest) -> Buyer:
    buyer = current_buyer(request)
    if buyer is None:
        raise PermissionDenied(gettext("Sign in to your Mercato account first."))
    return buyer


def _too_many(form: Form) -> None:
    form.add_error(None, TOO_MANY)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Ask for an account: the same answer ("check your inbox") whether or not the address has one."""
    form = forms.SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not ratelimit.allow(f"buyer-signup:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600):
            _too_many(form)
            status = 429
        elif form.is_valid():
            try:
                services.request_signup(**form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                email = services.normalise_email(form.cleaned_data["email"])
                return _render(request, "signup_sent.html", {"email": email})
    return _render(request, "signup.html", {"form": form}, status)


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email: a button (mail scanners open links, so a GET makes nothing) that makes the account."""
    if services.pending_signup(token) is None:
        return _render(request, "link_invalid.html", {"message": services.SIGNUP_LINK_INVALID}, status=410)
    if request.method == "POST":
        try:
            buyer = services.confirm_signup(token=token)
        except PermissionDenied:
            return _render(request, "link_invalid.html", {"message": services.SIGNUP_LINK_INVALID}, status=410)
        sign_in(request, buyer)
        messages.success(request, gettext("Welcome to Mercato! Your account is ready."))
        return redirect("/buyer/")
    return _render(request, "signup_confirm.html", {})


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    form = forms.SignInForm(request.POST or None)
    next_path = _platform_path(request.POST.get("next") or request.GET.get("next") or "")
    status = 200
    if request.method == "POST":
        status = 400
        account = signin_guard.marketplace_buyer_account(request.POST.get("email", ""))
        try:
            if signin_guard.is_locked(request, account=account):
                raise signin_guard.SignInLocked
            if form.is_valid():
                credentials = form.cleaned_data
                buyer = signin_guard.attempt(
                    request, account=account, check=lambda: services.authenticate_buyer(**credentials)
                )
                if buyer is not None:
                    sign_in(request, buyer)
                    return redirect(next_path)
                form.add_error(None, SIGN_IN_FAILED)
        except signin_guard.SignInLocked:
            _too_many(form)
            status = 429
    return _render(request, "signin.html", {"form": form, "next": next_path}, status)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect("/")


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not ratelimit.allow(f"buyer-reset:{ratelimit.client_ip(request)}", limit=10, window_seconds=3600):
            _too_many(form)
            status = 429
        elif form.is_valid():
            services.request_password_reset(email=form.cleaned_data["email"])
            # The same answer whether or not there is such an account.
            email = services.normalise_email(form.cleaned_data["email"])
            return _render(request, "password_reset_sent.html", {"email": email})
    return _render(request, "password_reset.html", {"form": form}, status)


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    form = forms.PasswordResetForm(request.POST or None)
    valid_link = services.buyer_for_reset(uid=uid, token=token) is not None
    status = 200 if valid_link else 400
    if request.method == "POST" and valid_link:
        status = 400
        if form.is_valid():
            try:
                buyer = services.reset_password(uid=uid, token=token, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                sign_in(request, buyer)
                messages.success(request, gettext("Your new password is set, and you are signed in."))
                return redirect("/buyer/")
    return _render(request, "password_reset_confirm.html", {"form": form, "valid_link": valid_link}, status)


@require_GET
@buyer_required
def account(request: HttpRequest) -> HttpResponse:
    buyer = signed_in_buyer(request)
    return _render(request, "account.html", _account_context(buyer, forms.AddressForm()))


def _account_context(buyer: Buyer, address_form: forms.AddressForm) -> dict:
    return {
        "orders": list(selectors.orders_of(buyer)),
        "favourites": selectors.favourites_of(buyer),
        "followed": selectors.followed_stores_of(buyer),
        "new_from_followed": selectors.new_from_followed(buyer),
        "addresses": list(selectors.addresses_of(buyer)),
        "address_form": address_form,
    }


@require_POST
@buyer_required
def add_address(request: HttpRequest) -> HttpResponse:
    buyer = signed_in_buyer(request)
    form = forms.AddressForm(request.POST)
    if form.is_valid():
        try:
            services.add_address(buyer=buyer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Address saved."))
            return redirect("/buyer/#addresses")
    return _render(request, "account.html", _account_context(buyer, form), status=400)


@require_POST
@buyer_required
def remove_address(request: HttpRequest, address_id: str) -> HttpResponse:
    if not services.remove_address(buyer=signed_in_buyer(request), address_id=id_or_404(address_id)):
        raise Http404(gettext("No such address in your account."))
    return redirect("/buyer/#addresses")


@require_POST
@buyer_required
def default_address(request: HttpRequest, address_id: str) -> HttpResponse:
    """Make one of the buyer's addresses the one the cart's form is filled with."""
    if not services.set_default_address(buyer=signed_in_buyer(request), address_id=id_or_404(address_id)):
        raise Http404(gettext("No such address in your account."))
    messages.success(request, gettext("Your cart will be filled with this address."))
    return redirect("/buyer/#addresses")


def _store_from(request: HttpRequest) -> Store:
    slug = (request.POST.get("store") or request.GET.get("store") or "").strip().lower()
    if not slug or len(slug) > 63:
        raise _BadRequest(gettext("Say which store: ?store=<the store's subdomain>."))
    store = Store.objects.filter(slug=slug, status=Store.Status.ACTIVE).first()
    if store is None:
        raise Http404(gettext("There is no such store open on Mercato."))
    return store


class _BadRequest(Exception):
    pass


def _bad_request(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "POST"])
@buyer_required
def favourite(request: HttpRequest) -> HttpResponse:
    """Save a product: the store's heart links here; the buyer confirms with a button (a POST with this site's CSRF).

    Store pages are cached for everyone and carry no token of this site, so they only link; nothing changes on a GET.
    """
    buyer = signed_in_buyer(request)
    try:
        store = _store_from(request)
    except _BadRequest as error:
        return _bad_request(str(error))
    product_id = parse_id(request.POST.get("product") or request.GET.get("product"))
    if product_id is None:
        return _bad_request(gettext("Say which product: ?product=<its id in the store>."))
    listed = listing_reader().products([(store.pk, product_id)]).get((store.pk, product_id))
    if listed is None:
        raise Http404(gettext("This product isn't in Mercato's directory."))
    product_url = site_url(store_subdomain_host(store.slug), f"/products/{listed.product_slug}/")
    if request.method == "POST":
        try:
            services.favourite_product(buyer=buyer, store=store, product_id=product_id)
        except ValidationError as error:
            return _bad_request(" ".join(error.messages))
        messages.success(request, f"“{listed.title}” is in your favourites.")
        return HttpResponseRedirect(_back(request, default=product_url))
    context = {"store": store, "listed": listed, "product_url": product_url, "next": request.GET.get("next", "")}
    return _render(request, "favourite_confirm.html", context)


def _back(request: HttpRequest, *, default: str) -> str:
    """Where to go after a favourite or a follow: a platform path the form names, else the store's own page."""
    target = request.POST.get("next") or ""
    return _platform_path(target, default=default) if target else default


@require_POST
@buyer_required
def unfavourite(request: HttpRequest, favourite_id: str) -> HttpResponse:
    if not services.unfavourite_product(buyer=signed_in_buyer(request), favourite_id=id_or_404(favourite_id)):
        raise Http404(gettext("No such favourite in your account."))
    return redirect("/buyer/#favourites")


@require_http_methods(["GET", "POST"])
@buyer_required
def follow(request: HttpRequest) -> HttpResponse:
    """Follow a store: its pages and the directory link here; the buyer confirms with a button."""
    buyer = signed_in_buyer(request)
    try:
        store = _store_from(request)
    except _BadRequest as error:
        return _bad_request(str(error))
    store_url = site_url(store_subdomain_host(store.slug), "/")
    if request.method == "POST":
        services.follow_store(buyer=buyer, store=store)
        messages.success(
            request,
            gettext("You follow %(store)s: its new products show on your Mercato page.") % {"store": store.name},
        )
        return HttpResponseRedirect(_back(request, default=store_url))
    context = {
        "store": store,
        "store_url": store_url,
        "following": selectors.is_following(buyer, store),
        "next": request.GET.get("next", ""),
    }
    return _render(request, "follow_confirm.html", context)


@require_POST
@buyer_required
def unfollow(request: HttpRequest, store_id: str) -> HttpResponse:
    if not services.unfollow_store(buyer=signed_in_buyer(request), store_id=id_or_404(store_id)):
        raise Http404(gettext("You don't follow this store."))
    return redirect("/buyer/#followed")


@require_GET
@buyer_required
def store_signin(request: HttpRequest, slug: str) -> HttpResponse:
    """Hand the signed-in buyer over to a store's host: a one-time, one-minute token, never a shared cookie.

    The store began the flow with a random ``state`` it keeps in its own session; the token carries it back, so a
    token the store didn't ask for (someone else's link) signs nobody in there.
    """
    state = request.GET.get("state", "")
    if not STATE_PATTERN.match(state):
        return _bad_request(gettext("This sign-in didn't come from a store's “Sign in with Mercato” button."))
    store = Store.objects.filter(slug=slug, status=Store.Status.ACTIVE).first()
    if store is None:
        raise Http404(gettext("There is no such store open on Mercato."))
    buyer = signed_in_buyer(request)
    token = services.make_store_signin_token(
        buyer=buyer, store=store, state=state, next_path=_store_path(request.GET.get("next", ""))
    )
    # Back to the host the flow began on when it is one of this store's; otherwise its subdomain.
    host = request.GET.get("host", "").strip().lower()
    if not (host and len(host) <= 253 and StoreDomain.objects.filter(tenant=store, domain=host).exists()):
        host = store_subdomain_host(store.slug)
    return HttpResponseRedirect(site_url(host, f"/account/mercato/return/?{urlencode({'token': token})}"))


@require_http_methods(["GET", "POST"])
@buyer_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete the account after saying what stays: each store keeps its customer record and orders."""
    buyer = signed_in_buyer(request)
    form = forms.DeleteAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not ratelimit.allow(f"buyer-delete:{buyer.pk}", limit=10, window_seconds=300):
            _too_many(form)
            status = 429
        elif form.is_valid():
            # Read before the account's rows go, to say afterwards what each store kept.
            keeps = selectors.what_stores_keep(buyer)
            try:
                services.delete_buyer(buyer=buyer, password=form.cleaned_data["password"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                sign_out(request)
                return _render(request, "deleted.html", {"keeps": keeps, "buyer": None})
    context = {"form": form, "keeps": selectors.what_stores_keep(buyer)}
    return _render(request, "delete.html", context, status)
