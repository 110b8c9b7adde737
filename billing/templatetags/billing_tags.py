"""The dashboard's billing banner: ``{% load billing_tags %}{% billing_alert store as alert %}``."""

from django import template

from billing.selectors import billing_alert as alert_for
from tenants.models import Store

register = template.Library()


@register.simple_tag
def billing_alert(store: Store | None) -> str:
    return alert_for(store)
