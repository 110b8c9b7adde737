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
