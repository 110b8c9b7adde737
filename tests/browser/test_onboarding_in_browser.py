"""In a real browser: sign up, open the emailed link, land in the new store's dashboard, switch theme, see the
storefront change."""

import re

import pytest

from tests.conftest import wait_for_email

pytestmark = [pytest.mark.browser]

SLUG = "browser-bakes"


@pytest.fixture(scope="module")
def forget_browser_store(django_db_blocker):
    """Requested before the browser, so it cleans up after the browser (and its event loop) is gone."""
    yield
    from platform.accounts.models import PendingSignup, User
    from tenants.models import Store
    from tenants.services import purge_store

    with django_db_blocker.unblock():
        for store in Store.objects.filter(slug=SLUG):
            purge_store(store=store)
        User.objects.filter(email="baker@example.com").delete()
        PendingSignup.objects.filter(email="baker@example.com").delete()


def test_signup_then_theme_change_shows_on_the_storefront(
    forget_browser_store, celery_worker, page, live_server_url, screenshot_dir
):
    port = live_server_url
    page.goto(f"http://localhost:{port}/signup/")
    page.fill("input[name=email]", "baker@example.com")
    page.fill("input[name=password]", "flour water salt yeast")
    page.fill("input[name=store_name]", "Browser Bakes")
    page.fill("input[name=slug]", SLUG)
    page.screenshot(path=screenshot_dir / "signup.png")
    page.click("#signup-form button[type=submit]")
    assert "Check your inbox" in page.inner_text("main")

    email = wait_for_email(celery_worker, to="baker@example.com", subject="Open Browser Bakes on Mercato")
    link = re.search(r"http://localhost:\d+(/signup/confirm/\S+/)", email).group(1)
    page.goto(f"http://localhost:{port}{link}")
    page.screenshot(path=screenshot_dir / "confirm.png")
    page.click("#signup-confirm-form button[type=submit]")

    page.wait_for_url(f"http://{SLUG}.localhost:{port}/dashboard/")
    assert "You are owner of this store." in page.inner_text("main")
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)

    page.click("text=Settings & theme")
    page.check("input[name=theme][value=midnight]")
    page.fill("input[name=tagline]", "Fresh every morning")
    page.click("#settings-form button[type=submit]")
    assert "Settings saved" in page.inner_text(".flash")

    page.goto(f"http://{SLUG}.localhost:{port}/")
    assert page.get_attribute("body", "data-theme") == "midnight"
    assert page.inner_text(".tagline") == "Fresh every morning"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 17, 21)"
    # The seller kept the default colours, so the dark theme's light defaults replaced them.
    assert page.evaluate("getComputedStyle(document.querySelector('.store-brand')).color") == "rgb(245, 241, 232)"
    page.screenshot(path=screenshot_dir / "storefront-midnight.png", full_page=True)
