"""The dashboard's billing banner: ``{% load billing_tags %}{% billing_alert store as alert %}``."""

from django import template

from billing.selectors import billing_alert as alert_for

register = template.Library()


@register.simple_tag
def billing_alert(store: object) -> str:
    return alert_for(store)  # type: ignore[arg-type]
