"""A buyer's steps shared by the browser tests: fill the checkout with an address and the Standard rate, and pay
on the sandbox's hosted Checkout page."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Buyer:
    name: str
    line1: str
    city: str
    postal_code: str
    region: str
    country: str = "US"


PORTLAND = Buyer(name="Robin Buyer", line1="12 Harbour Road", city="Portland", postal_code="97201", region="OR")
BOSTON = Buyer(name="Casey Customer", line1="3 Quay Street", city="Boston", postal_code="02110", region="MA")


def check_out_with_standard_shipping(page, buyer: Buyer, *, email: str | None, shipping: str = "$6.00") -> None:
    """On the checkout page: the address (and ``email``, unless the signed-in account gave it), then the store's
    "Standard" rate, updating the totals until the summary shows ``shipping``."""
    if email is not None:
        page.fill("input[name=email]", email)
    page.fill("input[name=name]", buyer.name)
    page.fill("input[name=line1]", buyer.line1)
    page.fill("input[name=city]", buyer.city)
    page.fill("input[name=postal_code]", buyer.postal_code)
    page.select_option("select[name=country]", buyer.country)
    page.select_option("select[name=region]", buyer.region)
    page.click("button[name=action][value=update]")
    page.wait_for_selector("input[name=shipping_rate]")
    page.check("label:has-text('Standard') input[name=shipping_rate]")
    page.click("button[name=action][value=update]")
    page.wait_for_selector(f"#summary-shipping:text-is('{shipping}')")


def pay_on_hosted_page(page, *, sandbox_url: str, name: str, screenshot=None) -> None:
    """On the sandbox's hosted Checkout page (waited for here): pay with the test card; ``screenshot``, a path,
    saves the filled page before paying."""
    page.wait_for_url(f"{sandbox_url}/c/pay/cs_test_**")
    page.fill("input[name=card_number]", "4242 4242 4242 4242")
    page.fill("input[name=card_expiry]", "12 / 34")
    page.fill("input[name=card_cvc]", "123")
    page.fill("input[name=name]", name)
    if screenshot is not None:
        page.screenshot(path=screenshot, full_page=True)
    page.click("section.pay form button[type=submit]")
