"""In Chromium: the sign-up page suggests the subdomain from the store name as it is typed (the server's free one,
skipping the session store "alpha"), stops once the seller types their own, and breaks no page policy."""

import pytest
from playwright.sync_api import expect

from tests.support import WAIT_TIMEOUT

pytestmark = [pytest.mark.browser]
# Playwright's expect waits 5 s by default; the suite's one deadline instead (a busy machine is slow, not wrong).
PATIENCE = WAIT_TIMEOUT * 1000


def test_the_subdomain_follows_the_store_name_until_the_seller_types_one(page, live_server_url, screenshot_dir):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"http://localhost:{live_server_url}/signup/")
    assert "your-subdomain.localhost" in page.inner_text("#signup-form")

    page.locator("input[name=store_name]").press_sequentially("Crème Brûlée & Co")
    expect(page.locator("#id_slug")).to_have_value("creme-brulee-and-co", timeout=PATIENCE)
    expect(page.locator("#slug-preview")).to_have_text(
        "Your store's address will be creme-brulee-and-co.localhost", timeout=PATIENCE
    )

    # A taken name: the instant guess is "alpha", the server's answer the free "alpha-2".
    page.fill("input[name=store_name]", "")
    page.locator("input[name=store_name]").press_sequentially("Alpha")
    expect(page.locator("#id_slug")).to_have_value("alpha-2", timeout=PATIENCE)
    page.screenshot(path=screenshot_dir / "suggested.png")

    # The seller's own choice is never overwritten; emptying it hands the choice back.
    page.fill("input[name=slug]", "my-own-pick")
    page.fill("input[name=store_name]", "Alpha Goods")
    expect(page.locator("#slug-preview")).to_have_text(
        "Your store's address will be my-own-pick.localhost", timeout=PATIENCE
    )
    assert page.input_value("input[name=slug]") == "my-own-pick"
    page.fill("input[name=slug]", "")
    page.fill("input[name=store_name]", "Alpha Goods!")
    expect(page.locator("#id_slug")).to_have_value("alpha-goods", timeout=PATIENCE)
    assert problems == []
