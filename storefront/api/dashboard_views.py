"""The dashboard's API tokens page: list the store's tokens with their scopes, make one, revoke one.

Tokens act without anyone signed in, so making and revoking them needs the manager role, and a token gets no
scope its maker's role could not grant.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform.kit.forms import add_service_errors
from platform.kit.ids import parse_id
from storefront.seller_access import require_role
from tenants.models import Role
from tenants.request_types import DashboardRequest

from .dashboard_forms import ApiTokenForm
from .scopes import ALL_SCOPES, SCOPE_LABELS
from .selectors import api_token, api_tokens
from .services import create_api_token, revoke_api_token


@require_role(Role.MANAGER)
def token_list(request: DashboardRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, membership=request.membership)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = create_api_token(
                name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], created_by=request.membership
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Rendered, not redirected: the secret exists only in this response and must never reach a session.
            form = ApiTokenForm(membership=request.membership)
    context = {
        "membership": request.membership,
        "form": form,
        "issued": issued,
        "tokens": api_tokens(),
        "scope_labels": [(scope, SCOPE_LABELS[scope]) for scope in ALL_SCOPES],
        "grantable": sorted(form.grantable, key=ALL_SCOPES.index),
    }
    failed = request.method == "POST" and bool(form.errors)
    return render(request, "dashboard/api/tokens.html", context, status=400 if failed else 200)


@require_role(Role.MANAGER)
@require_POST
def token_revoke(request: DashboardRequest, token_id: str) -> HttpResponse:
    number = parse_id(token_id)
    token = api_token(number) if number is not None else None
    if token is None:
        raise Http404("No such API token.")
    revoke_api_token(token=token)
    messages.success(
        request, _("The token “%(name)s” (%(prefix)s…) no longer works.") % {"name": token.name, "prefix": token.prefix}
    )
    return redirect("dashboard-api-tokens")
