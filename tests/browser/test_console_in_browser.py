"""In a real browser: a platform admin signs in, reads the dashboard's SVG charts, and opens a store as support."""

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.conftest import STORE_A

pytestmark = [pytest.mark.browser]

ADMIN_EMAIL = "console-root@mercato.test"
PASSWORD = "an admin passphrase for the browser"


@pytest.fixture(scope="module")
def console_data(django_db_blocker, live_server_url):
    """A superuser and 30 days of figures, committed before the browser starts; removed after it closes."""
    from django.utils import timezone

    from platform.accounts.models import User
    from tenants.console.stats import record_daily_stats
    from tenants.models import AdminAction, Store, StoreDailyStats

    with django_db_blocker.unblock():
        admin = User.objects.create_superuser(email=ADMIN_EMAIL, password=PASSWORD)
        store = Store.objects.get(slug=STORE_A["slug"])
        today = timezone.now().date()
        for offset in range(30):
            record_daily_stats(
                store=store, day=today - timedelta(days=offset), orders=offset % 4 + 1,
                gmv=Decimal(10 * (offset % 7 + 1)), currency="USD", product_count=3, schema_bytes=2_000_000,
            )  # fmt: skip
    yield store
    with django_db_blocker.unblock():
        StoreDailyStats.objects.filter(store=store).delete()
        AdminAction.objects.filter(actor_id=admin.pk).delete()
        admin.delete()


def _sign_in(page, port: str) -> None:
    page.goto(f"http://localhost:{port}/admin/login/?next=/admin/")
    page.fill("input[name=username]", ADMIN_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_the_dashboard_renders_its_charts(console_data, page, live_server_url, screenshot_dir):
    port = live_server_url
    _sign_in(page, port)
    page.click("text=Platform dashboard")
    page.wait_for_load_state()
    assert page.url == f"http://localhost:{port}/admin/tenants/store/dashboard/"
    charts = page.locator("figure.console-chart svg")
    assert charts.count() == 5
    gmv = page.locator('figure[data-chart="gmv-per-day-usd"] svg')
    assert gmv.locator("rect.bar").count() == 90
    # The last 30 days have GMV, so their bars are drawn with a real height in the browser's layout.
    heights = gmv.locator("rect.bar").evaluate_all("bars => bars.map(bar => bar.getBBox().height)")
    assert all(height > 0 for height in heights[-30:]) and heights[0] == 0
    assert gmv.locator("path.axis").count() == 1
    box = gmv.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 50
    assert "active stores" in page.locator(".console-numbers").inner_text()
    page.screenshot(path=screenshot_dir.parent / "console-dashboard.png", full_page=True)
    assert (screenshot_dir.parent / "console-dashboard.png").stat().st_size > 10_000


def test_support_view_opens_the_stores_dashboard_read_only(console_data, page, live_server_url, screenshot_dir):
    port = live_server_url
    _sign_in(page, port)
    page.goto(f"http://localhost:{port}/admin/tenants/store/{console_data.pk}/change/")
    page.click("text=View dashboard as support")
    page.fill("textarea[name=reason]", "Owner asked why the menu is empty")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"http://{STORE_A['slug']}.localhost:{port}/dashboard/"
    banner = page.locator(".support-banner")
    assert "read-only" in banner.inner_text() and ADMIN_EMAIL in banner.inner_text()
    page.screenshot(path=screenshot_dir / "support-view.png", full_page=True)
