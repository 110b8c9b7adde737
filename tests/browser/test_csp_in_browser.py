"""In a real browser: every kind of page (platform site, storefronts in both themes, dashboard, console, API docs,
the Stripe sandbox's pages) loads and works under its Content-Security-Policy, with no violation reported."""

import pytest
from playwright.sync_api import expect

from tests.conftest import STORE_A, STORE_B

pytestmark = [pytest.mark.browser]

OWNER_EMAIL = "csp-owner@alpha.test"
ADMIN_EMAIL = "csp-root@mercato.test"
PASSWORD = "a passphrase for the policy test"
# Registered before any page script runs (Playwright adds it outside the page, so the policy doesn't apply to it).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def site(django_db_blocker, live_server_url, sandbox_server):
    """Accounts, a product with options, the second store in the dark theme with a hero picture, and a sandbox
    Checkout page; committed before the browser starts and removed after it closes."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from billing.gateway import stripe_client
    from platform.accounts.models import User
    from storefront.inbox.links import conversation_path
    from storefront.inbox.models import ContactMessage, Conversation
    from storefront.page_cache import invalidate_store_pages
    from storefront.themes.selectors import store_profile
    from storefront.themes.services import update_profile
    from tenants.models import Membership, Store
    from tests.storefront.catalog.factories import make_shirt, png

    with django_db_blocker.unblock():
        alpha, beta = Store.objects.get(slug=STORE_A["slug"]), Store.objects.get(slug=STORE_B["slug"])
        owner = User.objects.create_user(email=OWNER_EMAIL, password=PASSWORD)
        Membership.objects.create(store=alpha, user=owner, role="owner")
        admin = User.objects.create_superuser(email=ADMIN_EMAIL, password=PASSWORD)
        shirt = make_shirt(alpha, title="Policy Field Shirt", sku_prefix="CSP")
        with schema_context(alpha.schema_name):
            variants = {variant.sku: variant.pk for variant in shirt.variants.all()}
            # A buyer's conversation, opened by its link, and its dashboard page.
            conversation = Conversation.objects.create(
                email="csp-buyer@example.com", name="Policy Buyer", subject="Policy question",
                last_message_at=timezone.now(), last_buyer_message_at=timezone.now(),
            )  # fmt: skip
            ContactMessage.objects.create(conversation=conversation, name="Policy Buyer", message="Hello?")
            conversation_link = conversation_path(store_id=alpha.pk, conversation=conversation)
        with schema_context(beta.schema_name):
            profile = store_profile()
            before = {"theme": profile.theme, "primary_colour": profile.primary_colour}
            hero = SimpleUploadedFile("hero.png", png(1200, 400), content_type="image/png")
            update_profile(profile=profile, hero_image=hero, theme="midnight")
            invalidate_store_pages()
        session = stripe_client().v1.checkout.sessions.create(
            {
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {"currency": "usd", "unit_amount": 1250, "product_data": {"name": "Mug"}},
                    }
                ],
                "success_url": f"http://{STORE_A['slug']}.localhost:{live_server_url}/",
                "cancel_url": f"http://{STORE_A['slug']}.localhost:{live_server_url}/",
            }
        )
    yield {
        "shirt": shirt.slug, "product_id": shirt.pk, "variants": variants, "checkout_url": session.url,
        "conversation_id": conversation.pk, "conversation_link": conversation_link,
    }  # fmt: skip
    with django_db_blocker.unblock():
        with schema_context(alpha.schema_name):
            shirt.delete()
            conversation.delete()
        with schema_context(beta.schema_name):
            profile = store_profile()
            profile.hero_image.delete(save=False)  # the file, and the field
            update_profile(profile=profile, **before)
            invalidate_store_pages()
        owner.delete()
        admin.delete()


class Visits:
    """Opens pages in one tab and keeps every policy violation the browser reports, with the page it was on."""

    def __init__(self, page) -> None:
        self.page, self.violations, self.pages = page, [], []
        page.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def open(self, url: str, *, policy: str = "form-action") -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 400, f"{url} answered {response and response.status}"
        assert policy in response.headers.get("content-security-policy", ""), f"{url} has no policy"
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        self.pages.append(self.page.url)
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.violations.append(f"{self.page.url}: {violation}")


def test_every_kind_of_page_loads_with_no_policy_violation(site, page, live_server_url, screenshot_dir):
    port = live_server_url
    platform = f"http://localhost:{port}"
    alpha, beta = (f"http://{slug}.localhost:{port}" for slug in (STORE_A["slug"], STORE_B["slug"]))
    visits = Visits(page)

    for path in ("/", "/signup/", "/login/", "/search?q=tent", "/directory/stores/", "/password-reset/"):
        visits.open(platform + path)

    # A buyer: both themes (the dark one with its hero picture from /store.css), a product whose options are
    # switched by script, the cart, the contact form, the account pages and the API's docs.
    for path in ("/", "/products/", "/search/?q=shirt", "/pages/about/", "/contact/", "/account/signin/"):
        visits.open(alpha + path)
    visits.open(f"{alpha}/products/{site['shirt']}/")
    page.check(f"input[name=variant][value='{site['variants']['CSP-M-Red']}']")
    # Playwright's expect, not wait_for_function: that one evaluates a string in the page, which the page's
    # Content-Security-Policy (no eval) rightly refuses.
    expect(page.locator("#variant-price")).to_have_text("$22.00")
    page.click("#add-to-cart button[type=submit]")
    page.wait_for_load_state("networkidle")
    visits.collect()
    visits.open(f"{alpha}/cart/")
    visits.open(f"{alpha}/account/signup/")
    visits.open(alpha + site["conversation_link"])
    visits.open(f"{alpha}/api/docs")
    page.wait_for_selector("#swagger-ui .opblock", timeout=15_000)  # Swagger UI's scripts ran and drew the API
    visits.collect()
    for path in ("/products/", "/"):
        visits.open(beta + path)
    hero = page.evaluate("getComputedStyle(document.querySelector('.hero-full')).backgroundImage")
    assert "/media/store_beta/brand/hero" in hero, hero
    page.screenshot(path=screenshot_dir / "midnight-hero.png")

    # A seller: signs in on the platform, opens the dashboard (a form whose answer redirects to the store's host),
    # and goes through the dashboard's pages.
    page.goto(f"{platform}/login/")
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{platform}/account/")
    page.click("#my-stores button[type=submit]")
    page.wait_for_url(f"{alpha}/dashboard/")
    visits.collect()
    for path in (
        "/dashboard/products/", "/dashboard/products/new/", f"/dashboard/products/{site['product_id']}/",
        "/dashboard/products/import/", "/dashboard/settings/", "/dashboard/homepage/", "/dashboard/pages/",
        "/dashboard/navigation/", "/dashboard/orders/", "/dashboard/sales/", "/dashboard/shipping/",
        "/dashboard/discounts/", "/dashboard/reviews/", "/dashboard/inbox/", f"/dashboard/inbox/{site['conversation_id']}/", "/dashboard/staff/",
        "/dashboard/domains/", "/dashboard/billing/", "/dashboard/payments/", "/dashboard/export/",
        "/dashboard/api-tokens/",
    ):  # fmt: skip
        visits.open(alpha + path)

    # A platform admin: the console, whose Django admin pages mark their inline bits with the nonce.
    visits.open(f"{platform}/admin/login/?next=/admin/", policy="nonce-")
    page.fill("input[name=username]", ADMIN_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{platform}/admin/")
    visits.collect()
    for path in (
        "/admin/tenants/store/", "/admin/tenants/store/dashboard/", "/admin/accounts/user/",
        "/admin/accounts/user/add/", "/admin/billing/plan/", "/admin/billing/subscription/",
    ):  # fmt: skip
        visits.open(platform + path, policy="script-src")

    # The Stripe sandbox's own hosted page, under its own policy.
    visits.open(site["checkout_url"], policy="style-src 'sha256-")
    page.screenshot(path=screenshot_dir / "sandbox-checkout.png")

    assert visits.violations == [], "\n".join(visits.violations)
    assert len(visits.pages) >= 45
