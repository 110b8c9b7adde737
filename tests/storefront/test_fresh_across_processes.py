"""Nothing is served stale: a change made in one process shows at once on pages served by every other process.

Two gunicorn servers (one worker process each) serve the test database. Each test has both of them serve a page
until it comes from the page cache, changes one kind of content in this process (a third one) through its
service, and reads the page from both servers straight away: each must show the change, with no wait.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tests.conftest import STORE_A, child_env
from tests.faults import start_web_server
from tests.storefront.catalog.factories import png
from tests.support import WAIT_TIMEOUT, collection_retitled, stop_process, theme_changed

pytestmark = pytest.mark.slow  # starts two servers of its own

ALPHA = f"{STORE_A['slug']}.{settings.BASE_DOMAIN}"


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory) -> Iterator[list[str]]:
    started = []
    try:
        for index in range(2):
            log = tmp_path_factory.mktemp(f"fresh-server-{index}") / "server.log"
            started.append(start_web_server(child_env(), log))
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            stop_process(process)


@pytest.fixture
def alpha(committed):
    from tenants.models import Store

    store = Store.objects.get(slug=STORE_A["slug"])
    with schema_context(store.schema_name):
        yield store


def _get(url: str, path: str) -> requests.Response:
    response = requests.get(url + path, headers={"Host": ALPHA}, timeout=WAIT_TIMEOUT)
    assert response.status_code == 200, (path, response.status_code)
    return response


def _served_from_the_cache_by_both(servers: list[str], path: str, old: str, new: str) -> None:
    for url in servers:
        _get(url, path)
        cached = _get(url, path)
        assert cached.headers["X-Page-Cache"] == "hit", url
        assert old in cached.text and new not in cached.text, url


def _shown_at_once_by_both(servers: list[str], path: str, change: Callable[[], None], old: str, new: str) -> None:
    """``old`` is on the page (served from the cache by both servers) until ``change()``; then ``new`` is, at once."""
    _served_from_the_cache_by_both(servers, path, old, new)
    change()
    for url in servers:
        page = _get(url, path).text
        assert new in page and old not in page, url


def test_a_price_change(servers, alpha):
    from storefront.catalog.models import ProductVariant
    from storefront.catalog.services import update_variant

    variant = ProductVariant.objects.filter(product__title=STORE_A["product"]).first()
    before = variant.price
    shown = f"${before}"
    try:
        for path, price in (("/products/", "17.25"), ("/products/alpha-trail-tent/", "18.50")):
            change = lambda price=price: update_variant(variant=variant, price=Decimal(price))  # noqa: E731
            _shown_at_once_by_both(servers, path, change, shown, f"${price}")
            shown = f"${price}"
    finally:
        update_variant(variant=variant, price=before)


def test_a_collection_change(servers, alpha):
    with collection_retitled("Camp Kit", "Camp Gear") as change:
        _shown_at_once_by_both(servers, *change)


def test_a_page_change(servers, alpha):
    from storefront.themes.models import Page
    from storefront.themes.services import save_page

    page = Page.objects.get(slug="about")
    before = (page.title, page.body, page.is_published)
    try:
        _shown_at_once_by_both(
            servers,
            "/pages/about/",
            lambda: save_page(page=page, title=page.title, body="<p>Freshly rewritten.</p>", is_published=True),
            before[1][:20],
            "Freshly rewritten.",
        )
    finally:
        save_page(page=page, title=before[0], body=before[1], is_published=before[2])


def test_a_menu_change(servers, alpha):
    from storefront.themes.models import NavigationLink
    from storefront.themes.services import replace_navigation

    before = [{"label": link.label, "page": link.page, "url": link.url} for link in NavigationLink.objects.all()]
    links = re.search(r'aria-label="Store menu">(.*?)</nav>', _get(servers[0], "/").text).group(1)
    try:
        _shown_at_once_by_both(
            servers,
            "/",
            lambda: replace_navigation(links=[*before, {"label": "Winter sale", "url": "/collections/winter/"}]),
            f"{links}</nav>",
            '<a href="/collections/winter/">Winter sale</a></nav>',
        )
    finally:
        replace_navigation(links=before)


def test_a_theme_and_logo_change(servers, alpha):
    from storefront.themes.models import StoreProfile
    from storefront.themes.services import update_profile

    with theme_changed("midnight") as change:
        profile = StoreProfile.objects.get()
        assert not profile.logo
        _shown_at_once_by_both(servers, *change)
        # The logo: the header has no logo picture until one is uploaded.
        upload = lambda: update_profile(profile=profile, logo=SimpleUploadedFile("logo.png", png(), "image/png"))  # noqa: E731
        try:
            _shown_at_once_by_both(servers, "/", upload, 'href="/"><span class="store-name">', 'class="logo"')
        finally:
            profile.refresh_from_db()
            profile.logo = ""
            update_profile(profile=profile)
