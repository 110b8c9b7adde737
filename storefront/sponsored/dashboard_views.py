"""The seller's sponsored-placement pages: campaigns with their figures, a new campaign, changing, pausing one."""

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from platform.kit.forms import add_service_errors
from platform.kit.ids import parse_id
from storefront.catalog.models import Product
from storefront.seller_access import require_role
from storefront.themes.selectors import store_timezone
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import selectors, services
from .models import Campaign

# Read as the store's wall-clock time (services.save_campaign), not the server's.
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"))
    products = forms.TypedMultipleChoiceField(coerce=int, label=_("Products"), help_text=_("The products to promote."))
    daily_budget = forms.CharField(label=_("Daily budget"), help_text=_("The most spent per day, for example 10.00."))
    cost_per_click = forms.CharField(label=_("Price per click"), help_text=_("Paid for each counted click, e.g. 0.40."))
    starts_at = forms.DateTimeField(
        required=False, widget=LOCAL_DATETIME, label=_("Starts (store time)"), help_text=_("Empty: at once.")
    )
    ends_at = forms.DateTimeField(
        required=False,
        widget=LOCAL_DATETIME,
        label=_("Ends (store time, not included)"),
        help_text=_("Empty: until you pause it."),
    )
    active = forms.BooleanField(required=False, initial=True, label=_("Running"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        products = Product.objects.filter(status=Product.Status.ACTIVE).order_by("title").values_list("pk", "title")
        self.fields["products"].choices = list(products)  # type: ignore[attr-defined]


@require_role(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def campaign_list(request: DashboardRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = _save(form, None)
        if campaign is not None:
            messages.success(request, gettext("Campaign “%(campaign)s” saved.") % {"campaign": campaign.name})
            return redirect("/dashboard/sponsored/")
    context = {"membership": request.membership, "form": form, "rows": selectors.campaigns()}
    return render(request, "dashboard/sponsored.html", context, status=400 if form.errors else 200)


@require_role(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: DashboardRequest, campaign_id: str) -> HttpResponse:
    found = parse_id(campaign_id)
    campaign = selectors.campaign_by_id(found) if found is not None else None
    if campaign is None:
        raise Http404("No such campaign.")
    initial = {"name": campaign.name, "products": [product.pk for product in campaign.products.all()],
               "daily_budget": campaign.daily_budget, "cost_per_click": campaign.cost_per_click,
               "active": campaign.active, "starts_at": _store_time(campaign.starts_at),
               "ends_at": _store_time(campaign.ends_at)}  # fmt: skip
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save(form, campaign) is not None:
        messages.success(request, gettext("Campaign “%(campaign)s” saved.") % {"campaign": campaign.name})
        return redirect("/dashboard/sponsored/")
    row = next((row for row in selectors.campaigns() if row.campaign.pk == campaign.pk), None)
    context = {"membership": request.membership, "form": form, "campaign": campaign, "row": row}
    return render(request, "dashboard/sponsored_campaign.html", context, status=400 if form.errors else 200)


@require_role(Role.MANAGER)
@require_POST
def campaign_pause(request: DashboardRequest, campaign_id: str) -> HttpResponse:
    return _set_running(request, campaign_id, running=False)


@require_role(Role.MANAGER)
@require_POST
def campaign_resume(request: DashboardRequest, campaign_id: str) -> HttpResponse:
    return _set_running(request, campaign_id, running=True)


def _set_running(request: DashboardRequest, campaign_id: str, *, running: bool) -> HttpResponse:
    found = parse_id(campaign_id)
    campaign = selectors.campaign_by_id(found) if found is not None else None
    if campaign is None:
        raise Http404("No such campaign.")
    services.set_campaign_running(campaign=campaign, running=running)
    if running:
        messages.success(request, gettext("Campaign “%(campaign)s” resumed.") % {"campaign": campaign.name})
    else:
        messages.success(request, gettext("Campaign “%(campaign)s” paused.") % {"campaign": campaign.name})
    return redirect("/dashboard/sponsored/")


def _store_time(moment: datetime | None) -> datetime | None:
    """A stored instant as the store's wall-clock time, for the form's fields."""
    return timezone.localtime(moment, store_timezone()).replace(tzinfo=None) if moment else None


def _save(form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    data = form.cleaned_data
    try:
        return services.save_campaign(
            campaign=campaign,
            name=data["name"],
            product_ids=data["products"],
            daily_budget=data["daily_budget"],
            cost_per_click=data["cost_per_click"],
            active=data["active"],
            # The form made the typed time aware in the server's zone; the service reads it in the store's.
            starts_at=data["starts_at"].replace(tzinfo=None) if data["starts_at"] else None,
            ends_at=data["ends_at"].replace(tzinfo=None) if data["ends_at"] else None,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None
