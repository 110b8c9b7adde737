"""The seller's promotion pages: list, create, edit, end. Staff may look; changing needs the manager role."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from platform.kit.forms import add_service_errors
from platform.kit.ids import id_or_404
from storefront.seller_access import require_role
from storefront.themes.selectors import store_currency, store_timezone
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import selectors, services
from .forms import PromotionForm
from .models import Promotion


def _promotion(promotion_id: str) -> Promotion:
    found = selectors.promotion(id_or_404(promotion_id))
    if found is None:
        raise Http404("No such promotion.")
    return found


def _can_change(request: DashboardRequest) -> bool:
    return request.membership.has_role(Role.MANAGER)


def _state(promotion: Promotion) -> str:
    now = timezone.now()
    ended = pgettext("promotion state", "Ended")
    if not promotion.is_active:
        return ended if promotion.ends_at <= now else pgettext("promotion state", "Inactive")
    if now < promotion.starts_at:
        return pgettext("promotion state", "Scheduled")
    return pgettext("promotion state", "Running") if now < promotion.ends_at else ended


@require_role(Role.STAFF)
def promotion_list(request: DashboardRequest) -> HttpResponse:
    rows = [{"promotion": promotion, "state": _state(promotion)} for promotion in selectors.promotions()]
    context = {
        "rows": rows,
        "currency": store_currency(),
        "zone": store_timezone(),
        "membership": request.membership,
        "can_change": _can_change(request),
    }
    return render(request, "dashboard/promotions/list.html", context)


def _written_value(promotion: Promotion) -> object:
    if promotion.kind in (Promotion.Kind.PERCENTAGE, Promotion.Kind.BUY_X_GET_Y):
        return promotion.value.normalize()
    return "" if promotion.kind == Promotion.Kind.FREE_SHIPPING else promotion.value


def _edit(request: DashboardRequest, promotion: Promotion | None) -> HttpResponse:
    if request.method == "POST" and not _can_change(request):
        raise PermissionDenied(_("Changing promotions needs the manager role."))
    initial: dict[str, Any] = {"is_active": True, "min_quantity": 1}
    if promotion is not None:
        zone = store_timezone()
        initial = {
            "name": promotion.name,
            "kind": promotion.kind,
            "value": _written_value(promotion),
            "target": promotion.target,
            "collection": promotion.collection,
            "tag": promotion.tag,
            "products": list(promotion.products.all()),
            # Shown as the store's wall-clock time, the way the seller typed it.
            "starts_at": timezone.localtime(promotion.starts_at, zone).replace(tzinfo=None),
            "ends_at": timezone.localtime(promotion.ends_at, zone).replace(tzinfo=None),
            "combination": promotion.combination,
            "min_quantity": promotion.min_quantity,
            "unit_cap": promotion.unit_cap,
            "is_active": promotion.is_active,
            "buy_quantity": promotion.buy_quantity,
            "get_quantity": promotion.get_quantity,
            "min_subtotal": promotion.min_subtotal,
        }
    form = PromotionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_promotion(
                promotion=promotion,
                name=data["name"],
                kind=data["kind"],
                value=data["value"],
                target=data["target"],
                collection_id=data["collection"].pk if data["collection"] else None,
                tag_id=data["tag"].pk if data["tag"] else None,
                product_ids=[product.pk for product in data["products"]],
                # The form made them aware in the server's zone; the seller typed the store's wall-clock time.
                starts_at=data["starts_at"].replace(tzinfo=None),
                ends_at=data["ends_at"].replace(tzinfo=None),
                combination=data["combination"],
                min_quantity=data["min_quantity"],
                unit_cap=data["unit_cap"],
                is_active=data["is_active"],
                buy_quantity=data["buy_quantity"],
                get_quantity=data["get_quantity"],
                min_subtotal=data["min_subtotal"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Promotion “%(promotion)s” saved.") % {"promotion": saved.name})
            return redirect("/dashboard/promotions/")
    failed = request.method == "POST" and bool(form.errors)
    context = {
        "form": form,
        "promotion": promotion,
        "zone": store_timezone(),
        "membership": request.membership,
        "can_change": _can_change(request),
    }
    return render(request, "dashboard/promotions/edit.html", context, status=400 if failed else 200)


@require_role(Role.STAFF)
def promotion_new(request: DashboardRequest) -> HttpResponse:
    return _edit(request, None)


@require_role(Role.STAFF)
def promotion_edit(request: DashboardRequest, promotion_id: str) -> HttpResponse:
    return _edit(request, _promotion(promotion_id))


@require_role(Role.MANAGER)
@require_POST
def promotion_end(request: DashboardRequest, promotion_id: str) -> HttpResponse:
    ended = services.end_promotion(promotion=_promotion(promotion_id))
    messages.success(
        request, _("Promotion “%(promotion)s” ended; prices are back to normal.") % {"promotion": ended.name}
    )
    return redirect("/dashboard/promotions/")
