"""Plan limits, enforced where they bite: the one place billing counts a store's products, seats and domains.

Each limited service (catalog's create_product, tenants' invite_staff / accept_invitation / add_custom_domain)
calls one ``ensure_*`` function here. Counting products means reading the store's own schema; that explicit
call lives here and nowhere else in the public-schema code.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext_lazy

from tenants.connection import connection
from tenants.models import DomainClaim, Invitation, Membership, Store
from tenants.pods.routing import store_context

from .models import Plan, Subscription

UPGRADE_PATH = "/dashboard/billing/"


def free_plan() -> Plan:
    return Plan.objects.get(code="free")


def plan_for_store(store: Store) -> Plan:
    """The plan whose limits apply: the subscribed plan while it is live (trialing, active, past due), else Free."""
    subscription = Subscription.objects.filter(store_id=store.pk).select_related("plan").first()
    if subscription is not None and subscription.plan is not None and subscription.is_live:
        return subscription.plan
    return free_plan()


def platform_fee_percent(store: Store) -> Decimal:
    """The share of each buyer payment the platform takes (for the buyer checkout's application fee)."""
    return plan_for_store(store).platform_fee_percent


def active_product_count(store: Store) -> int:
    from storefront.catalog.selectors import products

    with store_context(store):
        return products(for_sale=True).count()


def staff_seats_used(store: Store, *, with_invitations: bool = True) -> int:
    """People on the staff, plus open invitations (each will take a seat when accepted)."""
    used = Membership.objects.filter(store_id=store.pk).count()
    if with_invitations:
        from django.utils import timezone

        used += Invitation.objects.filter(
            store_id=store.pk, accepted_at__isnull=True, expires_at__gt=timezone.now()
        ).count()
    return used


def custom_domain_count(store: Store) -> int:
    return DomainClaim.objects.filter(store_id=store.pk).count()


def usage(store: Store) -> dict[str, int]:
    return {
        "products": active_product_count(store),
        "staff_seats": staff_seats_used(store, with_invitations=False),
        "custom_domains": custom_domain_count(store),
    }


def _count(number: int, what: Promise) -> str:
    """``number`` of a thing, in words: "1 staff seat", "3 staff seats" (ngettext: the language's own plural rule)."""
    return what % {"count": number}


# Whole phrases with the number in them, so a translation can put the number where its language wants it; the
# plural form is picked by the "count" the phrase is filled in with.
PRODUCTS = ngettext_lazy("%(count)d active product", "%(count)d active products", "count")
STAFF_SEATS = ngettext_lazy("%(count)d staff seat", "%(count)d staff seats", "count")
CUSTOM_DOMAINS = ngettext_lazy("%(count)d custom domain", "%(count)d custom domains", "count")


def _refuse(plan: Plan, field: str, allowed: str) -> ValidationError:
    message = gettext("Your %(plan)s plan allows %(allowed)s. Upgrade your plan to add more: %(path)s")
    return ValidationError(
        {field: [message % {"plan": plan.name, "allowed": allowed, "path": UPGRADE_PATH}]}, code="plan_limit"
    )


def _enforced() -> bool:
    return settings.BILLING_ENFORCE_LIMITS


def ensure_can_add_product(*, schema_name: str | None = None, adding: int = 1) -> None:
    """Refuse one more active product in the store whose schema is ``schema_name`` (default: the current one)."""
    if not _enforced():
        return
    schema_name = schema_name or connection.schema_name
    store = Store.objects.filter(schema_name=schema_name).first()
    if store is None:  # a pooled schema being built, not a store yet
        return
    plan = plan_for_store(store)
    if plan.max_products is not None and active_product_count(store) + adding > plan.max_products:
        raise _refuse(plan, "status", _count(plan.max_products, PRODUCTS))


def ensure_can_add_staff(*, store: Store, accepting: bool = False) -> None:
    """Refuse an invitation (or accepting one) that would take more staff seats than the plan has."""
    if not _enforced():
        return
    plan = plan_for_store(store)
    if plan.max_staff_seats is None:
        return
    # An accepted invitation turns its own open seat into a membership, so it only needs the people to fit.
    used = staff_seats_used(store, with_invitations=not accepting)
    if used + 1 > plan.max_staff_seats:
        seats = gettext("%(seats)s (owner included)") % {"seats": _count(plan.max_staff_seats, STAFF_SEATS)}
        raise _refuse(plan, "email", seats)


def ensure_can_add_domain(*, store: Store) -> None:
    if not _enforced():
        return
    plan = plan_for_store(store)
    if plan.max_custom_domains is not None and custom_domain_count(store) + 1 > plan.max_custom_domains:
        raise _refuse(plan, "domain", _count(plan.max_custom_domains, CUSTOM_DOMAINS))


def ensure_plan_fits(*, store: Store, plan: Plan) -> None:
    """A downgrade below current usage is refused, naming each thing that is over the new plan's limit."""
    used = usage(store)
    limits = {
        "products": (plan.max_products, PRODUCTS),
        "staff_seats": (plan.max_staff_seats, STAFF_SEATS),
        "custom_domains": (plan.max_custom_domains, CUSTOM_DOMAINS),
    }
    problems = [
        gettext("%(used)s (the %(plan)s plan allows %(limit)s)")
        % {"used": _count(used[key], what), "plan": plan.name, "limit": limit}
        for key, (limit, what) in limits.items()
        if limit is not None and used[key] > limit
    ]
    if problems:
        message = gettext("Your store uses more than the %(plan)s plan allows: %(problems)s. Remove some first.")
        raise ValidationError(message % {"plan": plan.name, "problems": "; ".join(problems)}, code="plan_too_small")
