"""The seller's checkout pages: tax mode, shipping zones and rates, discount codes.

Staff may look; changing anything needs the manager role. Ids arrive as str segments and are checked here, so the
role check runs before anything about the URL is judged.
"""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from platform.kit.forms import add_service_errors
from platform.kit.ids import id_or_404
from storefront.seller_access import require_role
from storefront.themes.selectors import store_currency
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import dashboard_forms as forms
from . import selectors, settings_services
from .models import DiscountCode, ShippingRate, ShippingZone


def _id(value: str) -> int:
    return id_or_404(value)


def _zone(zone_id: str) -> ShippingZone:
    zone = ShippingZone.objects.prefetch_related("rates").filter(pk=_id(zone_id)).first()
    if zone is None:
        raise Http404("No such shipping zone.")
    return zone


def _rate(zone: ShippingZone, rate_id: str) -> ShippingRate:
    rate = next((rate for rate in zone.rates.all() if rate.pk == _id(rate_id)), None)
    if rate is None:
        raise Http404("No such shipping rate.")
    return rate


def _discount(discount_id: str) -> DiscountCode:
    discount = DiscountCode.objects.filter(pk=_id(discount_id)).first()
    if discount is None:
        raise Http404("No such discount code.")
    return discount


def _posted(request: HttpRequest) -> QueryDict | None:
    # An unchecked box sends nothing: an empty POST is still a submitted form.
    return request.POST if request.method == "POST" else None


def _can_change(request: DashboardRequest) -> bool:
    return request.membership.has_role(Role.MANAGER)


def _changes_need_a_manager(request: DashboardRequest) -> None:
    if request.method == "POST" and not _can_change(request):
        raise PermissionDenied(_("Changing checkout settings needs the manager role."))


def _render(request: DashboardRequest, template: str, context: dict, *, form: Form | None = None) -> HttpResponse:
    failed = request.method == "POST" and form is not None and bool(form.errors)
    context = {"membership": request.membership, "can_change": _can_change(request), **context}
    return render(request, template, context, status=400 if failed else 200)


# --- Tax mode ------------------------------------------------------------------------------------------------


@require_role(Role.STAFF)
def checkout_settings(request: DashboardRequest) -> HttpResponse:
    _changes_need_a_manager(request)
    current = selectors.checkout_settings()
    form = forms.CheckoutSettingsForm(_posted(request), initial={"prices_include_tax": current.prices_include_tax})
    if request.method == "POST" and form.is_valid():
        settings_services.update_checkout_settings(prices_include_tax=form.cleaned_data["prices_include_tax"])
        messages.success(request, _("Checkout settings saved; new orders are priced this way."))
        return redirect("/dashboard/checkout-settings/")
    return _render(request, "dashboard/checkout/settings.html", {"form": form, "settings": current}, form=form)


# --- Shipping zones ------------------------------------------------------------------------------------------


@require_role(Role.STAFF)
def zone_list(request: DashboardRequest) -> HttpResponse:
    zones = ShippingZone.objects.prefetch_related("rates")
    return _render(request, "dashboard/checkout/zones.html", {"zones": zones, "currency": store_currency()})


@require_role(Role.STAFF)
def zone_new(request: DashboardRequest) -> HttpResponse:
    _changes_need_a_manager(request)
    form = forms.ShippingZoneForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            zone = settings_services.save_shipping_zone(zone=None, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Zone “%(zone)s” created; now add its shipping rates.") % {"zone": zone.name})
            return redirect(f"/dashboard/shipping/{zone.pk}/")
    return _render(request, "dashboard/checkout/zone_edit.html", {"form": form, "zone": None}, form=form)


def _zone_page(
    request: DashboardRequest, zone: ShippingZone, *, form: Form | None = None, **extra: Any
) -> HttpResponse:
    form = form or forms.ShippingZoneForm(
        initial={"name": zone.name, "countries": ", ".join(zone.countries), "tax_rate": zone.tax_rate.normalize()}
    )
    context = {
        "form": form,
        "zone": zone,
        "rates": list(zone.rates.all()),
        "rate_form": extra.pop("rate_form", None) or forms.ShippingRateForm(prefix="rate"),
        "currency": store_currency(),
        **extra,
    }
    failed = request.method == "POST" and (bool(form.errors) or bool(context["rate_form"].errors))
    response = _render(request, "dashboard/checkout/zone_edit.html", context)
    response.status_code = 400 if failed else 200
    return response


@require_role(Role.STAFF)
def zone_edit(request: DashboardRequest, zone_id: str) -> HttpResponse:
    _changes_need_a_manager(request)
    zone = _zone(zone_id)
    if request.method != "POST":
        return _zone_page(request, zone)
    form = forms.ShippingZoneForm(request.POST)
    if form.is_valid():
        try:
            settings_services.save_shipping_zone(zone=zone, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Zone “%(zone)s” saved.") % {"zone": zone.name})
            return redirect(f"/dashboard/shipping/{zone.pk}/")
    # Read again: the refused values may sit on the instance the service was given.
    return _zone_page(request, _zone(zone_id), form=form)


@require_role(Role.MANAGER)
@require_POST
def zone_delete(request: DashboardRequest, zone_id: str) -> HttpResponse:
    zone = _zone(zone_id)
    settings_services.delete_shipping_zone(zone=zone)
    messages.success(request, _("Zone “%(zone)s” deleted with its rates.") % {"zone": zone.name})
    return redirect("/dashboard/shipping/")


# --- Shipping rates ------------------------------------------------------------------------------------------


def _rate_fields(form: forms.ShippingRateForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "kind": data["kind"],
        "price": data["price"],
        "min_weight_grams": data["min_weight_grams"],
        "max_weight_grams": data["max_weight_grams"],
        "min_subtotal": data["min_subtotal"],
    }


@require_role(Role.MANAGER)
@require_POST
def rate_new(request: DashboardRequest, zone_id: str) -> HttpResponse:
    zone = _zone(zone_id)
    form = forms.ShippingRateForm(request.POST, prefix="rate")
    if form.is_valid():
        try:
            rate = settings_services.save_shipping_rate(zone=zone, rate=None, **_rate_fields(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Rate “%(rate)s” added.") % {"rate": rate.name})
            return redirect(f"/dashboard/shipping/{zone.pk}/")
    return _zone_page(request, zone, rate_form=form)


@require_role(Role.STAFF)
def rate_edit(request: DashboardRequest, zone_id: str, rate_id: str) -> HttpResponse:
    _changes_need_a_manager(request)
    zone = _zone(zone_id)
    rate = _rate(zone, rate_id)
    form = forms.ShippingRateForm(
        _posted(request),
        initial={
            "name": rate.name,
            "kind": rate.kind,
            "price": rate.price,
            "min_weight_grams": rate.min_weight_grams,
            "max_weight_grams": rate.max_weight_grams,
            "min_subtotal": rate.min_subtotal if rate.min_subtotal is not None else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            settings_services.save_shipping_rate(zone=zone, rate=rate, **_rate_fields(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Rate “%(rate)s” saved.") % {"rate": rate.name})
            return redirect(f"/dashboard/shipping/{zone.pk}/")
    context = {"form": form, "zone": zone, "rate": rate}
    return _render(request, "dashboard/checkout/rate_edit.html", context, form=form)


@require_role(Role.MANAGER)
@require_POST
def rate_delete(request: DashboardRequest, zone_id: str, rate_id: str) -> HttpResponse:
    zone = _zone(zone_id)
    rate = _rate(zone, rate_id)
    settings_services.delete_shipping_rate(rate=rate)
    messages.success(request, _("Rate “%(rate)s” deleted.") % {"rate": rate.name})
    return redirect(f"/dashboard/shipping/{zone.pk}/")


# --- Discount codes ------------------------------------------------------------------------------------------


def _discount_state(discount: DiscountCode, now: datetime) -> str:
    if not discount.is_active:
        return pgettext("discount code state", "Inactive")
    if discount.ends_at and now >= discount.ends_at:
        return pgettext("discount code state", "Expired")
    if discount.starts_at and now < discount.starts_at:
        return pgettext("discount code state", "Scheduled")
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return pgettext("discount code state", "Used up")
    return pgettext("discount code state", "Active")


@require_role(Role.STAFF)
def discount_list(request: DashboardRequest) -> HttpResponse:
    now = timezone.now()
    rows = [{"discount": discount, "state": _discount_state(discount, now)} for discount in DiscountCode.objects.all()]
    return _render(request, "dashboard/checkout/discounts.html", {"rows": rows, "currency": store_currency()})


def _discount_fields(form: forms.DiscountCodeForm) -> dict:
    return dict(form.cleaned_data)


@require_role(Role.STAFF)
def discount_new(request: DashboardRequest) -> HttpResponse:
    _changes_need_a_manager(request)
    form = forms.DiscountCodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            discount = settings_services.save_discount_code(discount=None, **_discount_fields(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Code %(code)s created.") % {"code": discount.code})
            return redirect("/dashboard/discounts/")
    return _render(request, "dashboard/checkout/discount_edit.html", {"form": form, "discount": None}, form=form)


@require_role(Role.STAFF)
def discount_edit(request: DashboardRequest, discount_id: str) -> HttpResponse:
    _changes_need_a_manager(request)
    discount = _discount(discount_id)
    form = forms.DiscountCodeForm(
        _posted(request),
        initial={
            "code": discount.code,
            "kind": discount.kind,
            "value": discount.value if discount.kind != DiscountCode.Kind.FREE_SHIPPING else "",
            "min_subtotal": discount.min_subtotal if discount.min_subtotal is not None else "",
            "usage_limit": discount.usage_limit,
            "starts_at": discount.starts_at,
            "ends_at": discount.ends_at,
            "once_per_email": discount.once_per_email,
            "is_active": discount.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = settings_services.save_discount_code(discount=discount, **_discount_fields(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Code %(code)s saved.") % {"code": saved.code})
            return redirect("/dashboard/discounts/")
    context = {"form": form, "discount": discount}
    return _render(request, "dashboard/checkout/discount_edit.html", context, form=form)


@require_role(Role.MANAGER)
@require_POST
def discount_deactivate(request: DashboardRequest, discount_id: str) -> HttpResponse:
    discount = _discount(discount_id)
    settings_services.deactivate_discount_code(discount=discount)
    messages.success(request, _("Code %(code)s no longer works at checkout.") % {"code": discount.code})
    return redirect("/dashboard/discounts/")
