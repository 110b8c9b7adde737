"""The owner's "Payments" page: connect the store's own Stripe account and see whether buyers can pay."""

import logging

import stripe
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import connect
from storefront.seller_access import require_role
from tenants.models import Role
from tenants.request_types import DashboardRequest

logger = logging.getLogger(__name__)

PAYMENTS_PATH = "/dashboard/payments/"
RETURN_PATH = "/dashboard/payments/return/"
REFRESH_PATH = "/dashboard/payments/refresh/"
STRIPE_DOWN = gettext_lazy("Stripe could not be reached just now; please try again in a minute.")


def _onboarding_url(request: DashboardRequest) -> str:
    # Both URLs are built from this request's host (routed to this store), never from anything the browser sent.
    return connect.start_onboarding(
        store=request.store,
        return_url=request.build_absolute_uri(RETURN_PATH),
        refresh_url=request.build_absolute_uri(REFRESH_PATH),
    )


@require_role(Role.OWNER)
def payments(request: DashboardRequest) -> HttpResponse:
    context = {"membership": request.membership, "overview": connect.payments_overview(request.store)}
    return render(request, "dashboard/payments.html", context)


@require_role(Role.OWNER)
@require_POST
def payments_connect(request: DashboardRequest) -> HttpResponse:
    """Start (or continue) Stripe's hosted onboarding for this store's account."""
    try:
        return redirect(_onboarding_url(request))
    except stripe.StripeError:
        logger.exception("could not start Stripe onboarding for store %s", request.store.pk)
        messages.error(request, STRIPE_DOWN)
        return redirect(PAYMENTS_PATH)


@require_role(Role.OWNER, acts_on_get=True)
def payments_return(request: DashboardRequest) -> HttpResponse:
    """Where Stripe sends the owner back: ask Stripe for the account's state; the query string is ignored."""
    try:
        account = connect.refresh_account(store=request.store)
    except stripe.StripeError:
        logger.exception("could not read the Stripe account of store %s", request.store.pk)
        messages.error(request, STRIPE_DOWN)
        return redirect(PAYMENTS_PATH)
    if account is None:
        messages.info(request, _("Your store has no Stripe account yet."))
    elif account.can_take_payments:
        messages.success(request, _("Your Stripe account is connected: buyers' payments now go to it."))
    else:
        messages.info(request, _("Stripe doesn't let your account take payments yet; finish the onboarding."))
    return redirect(PAYMENTS_PATH)


@require_role(Role.OWNER, acts_on_get=True)
def payments_refresh(request: DashboardRequest) -> HttpResponse:
    """Where Stripe sends an expired or used onboarding link: make a fresh one (a GET, as Stripe redirects)."""
    if connect.connected_account_for(request.store) is None:
        return redirect(PAYMENTS_PATH)
    try:
        return redirect(_onboarding_url(request))
    except stripe.StripeError:
        logger.exception("could not refresh the Stripe onboarding link of store %s", request.store.pk)
        messages.error(request, STRIPE_DOWN)
        return redirect(PAYMENTS_PATH)
