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
    """The signed reference a store page's "add to marketplace cart" form posts to the platform site.

    It is the same for every visitor (ids only), so a cached page may carry it, and it costs no query: whether
    this store can join a marketplace cart now (connected to Stripe, not suspended) is the platform's to decide
    when the form arrives, and the buyer is told why if not (docs/marketplace.md).
    """
    from platform.kit.listing_refs import sign_listing_reference
    from tenants.connection import connection

    # The product page's variant is a dict for its picker script, with the id as text.
    return sign_listing_reference(store_id=connection.tenant.pk, product_id=int(product_id), variant_id=int(variant_id))


@register.simple_tag
def marketplace_cart_add_url() -> str:
    from platform.kit.hosts import platform_url

    return platform_url("/cart/add/")
