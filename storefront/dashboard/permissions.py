"""Who may open which dashboard page: a member of this store, with at least the page's role."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tenants.models import Membership, Role


def membership_for(request: HttpRequest) -> Membership | None:
    if not request.user.is_authenticated or request.store is None:
        return None
    return Membership.objects.filter(user=request.user, store=request.store).first()


def require_role(role: str) -> Callable:
    """Sign-in required (on this host); then 403 unless the person is this store's staff with ``role`` or above."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(f"/dashboard/login/?next={request.path}")
            membership = membership_for(request)
            if membership is None:
                raise PermissionDenied("You are not on this store's staff.")
            if not membership.has_role(role):
                raise PermissionDenied(f"This page needs the {Role(role).label.lower()} role.")
            request.membership = membership
            return view(request, *args, **kwargs)

        wrapped.required_role = role  # type: ignore[attr-defined]
        return wrapped

    return decorator
