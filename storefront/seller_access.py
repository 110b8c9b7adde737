"""Seller access: who may open which dashboard page (a member with at least its role, or support, read-only)."""

import time
from collections.abc import Callable
from functools import wraps
from typing import cast

from django.contrib import auth
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone

from storefront.themes.selectors import store_timezone
from tenants.console.support import SUPPORT_PERMISSION, SUPPORT_SESSION_SECONDS, redeem_support_token
from tenants.models import Membership, Role, Store
from tenants.request_types import DashboardRequest, StoreRequest

SUPPORT_SESSION_KEY = "support_view"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def membership_for(request: StoreRequest) -> Membership | None:
    if not request.user.is_authenticated or request.store is None:
        return None
    return Membership.objects.filter(user=request.user, store=request.store).first()


def _start_support_session(request: StoreRequest, token: str) -> HttpResponse:
    """Sign the admin in on this host as read-only support, then drop the token from the address."""
    user, audit_id = redeem_support_token(token=token, store=request.store)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SUPPORT_SESSION_KEY] = {
        "user": user.pk,
        "store": request.store.pk,
        "audit": audit_id,
        "until": int(time.time()) + SUPPORT_SESSION_SECONDS,
    }
    request.session.set_expiry(SUPPORT_SESSION_SECONDS)
    return redirect(request.path)


def support_view_for(request: StoreRequest) -> dict | None:
    """This session's support marker, when it is for this person and store and still fresh."""
    marker = request.session.get(SUPPORT_SESSION_KEY)
    if not marker:
        return None
    fresh = marker.get("until", 0) > time.time()
    if fresh and marker.get("user") == request.user.pk and marker.get("store") == request.store.pk:
        # Checked on every request, not only at the hand-off: an admin whose permission or staff status is taken
        # away loses the open session at once.
        user = request.user
        if user.is_active and user.is_staff and user.has_perm(SUPPORT_PERMISSION):
            return marker
    auth.logout(request)  # a stale or foreign marker ends the session rather than lending it a role
    return None


def require_role(
    role: str, *, acts_on_get: bool = False
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Sign-in required (on this host); then 403 unless the person is this store's staff with ``role`` or above.

    A support session (a platform admin handed over from the console) may read every page and change nothing:
    any method but GET/HEAD/OPTIONS gets 403, whatever the page, and so does every method on pages marked
    ``acts_on_get`` (those a third party redirects to, which change something or hand out a link that can).
    """

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: StoreRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            token = request.GET.get("support_token")
            if token and request.method == "GET":
                return _start_support_session(request, token)
            if not request.user.is_authenticated:
                return redirect(f"/dashboard/login/?next={request.path}")
            support = support_view_for(request)
            membership: Membership | None
            if support is not None:
                if acts_on_get or request.method not in SAFE_METHODS:
                    raise PermissionDenied("This is a read-only support view: nothing can be changed from it.")
                # Support sees the store as its owner would, without being one.
                membership = Membership(user=request.user, store=request.store, role=Role.OWNER)
                cast(DashboardRequest, request).support_view = support
            else:
                if not request.user.is_authenticated:
                    return redirect(f"/dashboard/login/?next={request.path}")
                membership = membership_for(request)
                if membership is None:
                    raise PermissionDenied("You are not on this store's staff.")
                if not membership.has_role(role):
                    raise PermissionDenied(f"This page needs the {Role(role).label.lower()} role.")
            if request.store.status == Store.Status.SUSPENDED:
                # The routing cache carries no reason; the owner needs it to know what to fix.
                request.store.suspension_reason = (
                    Store.objects.filter(pk=request.store.pk).values_list("suspension_reason", flat=True).first() or ""
                )
            # What DashboardRequest promises is set now: the views below see a member (or support) of this store.
            cast(DashboardRequest, request).membership = membership
            # The seller's pages show times in the store's zone (only here: the buyer's pages and their cache
            # are untouched). Rendering happens inside the view, so the zone is back to UTC once it returns.
            with timezone.override(store_timezone()):
                return view(request, *args, **kwargs)

        # Read back from the URL patterns: the access tests list every protected page by these marks.
        wrapped.required_role = role  # type: ignore[attr-defined]  # a mark set on the function object
        wrapped.acts_on_get = acts_on_get  # type: ignore[attr-defined]  # a mark set on the function object
        return wrapped

    return decorator
