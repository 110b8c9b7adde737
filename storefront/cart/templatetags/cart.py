"""The header's cart link on every store page: how many items the visitor's own cart holds."""

from django import template
from django.conf import settings
from django.http import HttpRequest

from ..selectors import item_count
from ..session import SESSION_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def cart_item_count(context: template.Context) -> int:
    request: HttpRequest | None = context.get("request")
    # A cart lives in a session, so only a request that carries the session cookie can have one; and the page
    # cache neither serves nor stores a page for such a request (storefront.page_cache). A count is therefore
    # only ever written into a page made for this visitor, never into one another buyer is served.
    if request is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return 0
    return item_count(request.session.get(SESSION_KEY))


@register.simple_tag
def marketplace_reference(product_id: int | str, variant_id: int | str) -> str:
    """The signed reference a store page's "add to marketplace cart" form posts to the platform site, or "" when
    this store can't join a marketplace cart (no Stripe account able to take payments, so the form is left out).

    It is the same for every visitor (ids only), so a cached page may carry it.
    """
    from billing.connect import connected_account_for
    from platform.kit.listing_refs import sign_listing_reference
    from tenants.connection import connection

    store = connection.tenant
    account = connected_account_for(store)
    if account is None or not account.can_take_payments:
        return ""
    # The product page's variant is a dict for its picker script, with the id as text.
    return sign_listing_reference(store_id=store.pk, product_id=int(product_id), variant_id=int(variant_id))


@register.simple_tag
def marketplace_cart_add_url() -> str:
    from platform.kit.hosts import platform_url

    return platform_url("/cart/add/")
