"""In a real browser, on a phone (390 x 844) and a desktop (1280 x 800): every storefront page in both themes, the
checkout, the buyer's account, the seller's dashboard and the platform site fit the screen's width, log no console
error, and give fingers targets at least 40 px high; each page is saved as a screenshot at both sizes."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

pytestmark = [pytest.mark.browser]

SLUG = "browser-walk"
OWNER = ("walk-owner@example.com", "a long seller password 77")
BUYER = ("walk-buyer@example.com", "a long buyer password 77")
MARKETPLACE_BUYER = ("walk-shopper@example.com", "a long marketplace password 77")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MIN_TAP = 40

# The controls a finger presses; links inside running text are left out (they are as tall as the text).
TARGETS = """(min) => [...document.querySelectorAll(
    'button, .button, select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
    + '.store-nav a, .store-tools a, .store-footer a, .site-nav a, .sidebar a, .menu-button, .pagination a, .pager a')]
  .filter((el) => !el.closest('.honeypot') && el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => [el.tagName.toLowerCase() + (el.name ? '[name=' + el.name + ']' : '') + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"', el.getBoundingClientRect().height])
  .filter(([, height]) => height < min - 0.5)"""


@pytest.fixture(scope="module")
def walk_store(django_db_blocker, live_server_url, sandbox_server):
    """A store with something on every page, committed before the browser starts (the ORM can't run under its
    event loop) and purged after it closes."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from platform.accounts.models import User
    from storefront.catalog.services import create_collection, create_product
    from storefront.checkout.models import DiscountCode, ShippingRate, ShippingZone
    from storefront.customers.services import block_buyer, link_order, register_customer
    from storefront.demo import product_picture
    from storefront.inbox.links import conversation_path
    from storefront.inbox.models import ContactMessage, Conversation
    from storefront.orders.models import Order, OrderLine
    from storefront.promotions.services import save_promotion
    from tenants.services import provision_store, purge_store
    from tests.platform.buyers.support import make_buyer
    from tests.storefront.catalog.factories import make_shirt

    with django_db_blocker.unblock():
        owner = User.objects.create_user(email=OWNER[0], password=OWNER[1])
        shopper = make_buyer(email=MARKETPLACE_BUYER[0], password=MARKETPLACE_BUYER[1], name="Sky Shopper")
        store = provision_store(name="Walk & Wander Provisions", slug=SLUG, owner=owner)
        with schema_context(store.schema_name):
            products = [
                create_product(title=title, price=Decimal(price), description=f"<p>{title}, made to last.</p>",
                               image_bytes=product_picture(title), stock=8, track_inventory=True)
                for title, price in (("Enamel Camp Mug", "14.50"), ("Waxed Canvas Field Bag With A Long Name", "89.00"),
                                     ("Wool Socks", "18.00"))
            ]  # fmt: skip
            shirt = make_shirt(store, title="Walk Field Shirt", sku_prefix="WALK")
            collection = create_collection(title="Camp kitchen", products=products[:2])
            zone = ShippingZone.objects.create(name="North America", countries=["US", "CA"], tax_rate=Decimal("8"))
            rate = ShippingRate.objects.create(zone=zone, name="Standard", kind="flat", price=Decimal("6.00"))
            discount = DiscountCode.objects.create(code="WALK10", kind="percentage", value=Decimal("10"))
            customer = register_customer(email=BUYER[0], password=BUYER[1], name="Wren Walker")
            orders = {}
            for status in ("paid", "pending_payment"):
                mug = products[0].variants.get()
                order = Order.objects.create(
                    token=f"walk-{status}-token-0123456789abcdef0123456789", checkout_key=f"walk-{status}",
                    email=BUYER[0], site_url=f"http://{SLUG}.localhost:{live_server_url}", status=status,
                    stock_state="committed" if status == "paid" else "reserved", currency="USD",
                    ship_name="Wren Walker", ship_line1="12 Harbour Road", ship_city="Portland", ship_region="OR",
                    ship_postal_code="97201", ship_country="US", shipping_method="Standard", subtotal=Decimal("29.00"),
                    discount_total=Decimal("0"), shipping_total=Decimal("6.00"), tax_total=Decimal("2.32"),
                    total=Decimal("37.32"), reserved_until=timezone.now() + timedelta(minutes=30),
                    paid_at=timezone.now() if status == "paid" else None,
                )  # fmt: skip
                OrderLine.objects.create(order=order, variant=mug, sku=mug.sku, title=products[0].title,
                                         unit_price=mug.price, quantity=2, line_total=Decimal("29.00"))  # fmt: skip
                link_order(customer=customer, order=order)
                orders[status] = order
            conversation = Conversation.objects.create(
                name="Robin Reader", email="robin@example.com", subject="Does the bag fit a laptop?",
                last_message_at=timezone.now(), last_buyer_message_at=timezone.now(),
            )  # fmt: skip
            ContactMessage.objects.create(
                conversation=conversation, name="Robin Reader", email="robin@example.com",
                subject="Does the bag fit a laptop?",
                message="Hello! I would like to know whether a 15-inch laptop fits in the field bag.",
            )  # fmt: skip
            # A flash sale on the socks: its countdown and sale price are on the listings and the product page.
            sale = save_promotion(
                promotion=None, name="Sock flash sale", kind="percentage", value="20", target="products",
                product_ids=[products[2].pk], starts_at=timezone.now() - timedelta(hours=1),
                ends_at=timezone.now() + timedelta(days=2), unit_cap=50,
            )  # fmt: skip
            block_buyer(email="spam@example.com", reason="Posts links to other shops in every message.",
                        actor=OWNER[0])  # fmt: skip
            ContactMessage.objects.create(
                conversation=conversation, author="seller", sent_by=OWNER[0],
                message="It does: the bag holds a 15-inch laptop in its padded sleeve.",
            )  # fmt: skip
            ids = {
                "product": products[0].slug, "long_product": products[1].slug, "shirt": shirt.slug,
                "product_id": products[0].pk, "collection": collection.slug, "collection_id": collection.pk, "zone": zone.pk, "rate": rate.pk,
                "discount": discount.pk, "message": conversation.pk, "promotion": sale.pk, "socks": products[2].slug, "paid_order": orders["paid"].pk,
                "paid_token": orders["paid"].token, "pending_token": orders["pending_payment"].token,
                "conversation_path": conversation_path(store_id=store.pk, conversation=conversation),
                "month": timezone.now().strftime("%Y-%m"),
            }  # fmt: skip
    yield ids
    with django_db_blocker.unblock():
        purge_store(store=store)
        User.objects.filter(email=OWNER[0]).delete()
        shopper.delete()


class Walk:
    """Opens pages in one browser context and records what does not fit, what the console said, and screenshots."""

    def __init__(self, context, folder, problems: list[str]) -> None:
        self.page = context.new_page()
        self.folder, self.problems, self.console = folder, problems, []
        self.page.on("console", lambda message: message.type == "error" and self.console.append(message.text))
        self.page.on("pageerror", lambda error: self.console.append(str(error)))

    def open(self, url: str, name: str) -> None:
        self.page.set_viewport_size(DESKTOP)
        response = self.page.goto(url)
        if response is None or response.status >= 400:
            self.problems.append(f"{name}: {url} answered {response.status if response else 'nothing'}")
        self.look(name)

    def look(self, name: str) -> None:
        """Check the page as it is now, at both sizes (the layout follows the viewport without a reload)."""
        self.page.wait_for_load_state("load")
        for size in (DESKTOP, PHONE):
            self.page.set_viewport_size(size)
            width = self.page.evaluate("document.documentElement.scrollWidth")
            inner = self.page.evaluate("innerWidth")
            if width > inner:
                self.problems.append(f"{name} at {size['width']} px: the page is {width} px wide")
            if size is PHONE:
                for target, height in self.page.evaluate(TARGETS, MIN_TAP):
                    self.problems.append(f"{name} at 390 px: {target} is {height:.0f} px high")
            self.page.screenshot(path=self.folder / f"{name}-{size['width']}.png", full_page=True)
        self.page.set_viewport_size(DESKTOP)
        if self.console:
            self.problems.append(f"{name}: console errors {self.console}")
            self.console = []


def test_every_page_fits_a_phone_and_a_desktop(walk_store, browser, live_server_url, screenshot_dir):
    ids, port, problems = walk_store, live_server_url, []
    store = f"http://{SLUG}.localhost:{port}"
    platform = f"http://localhost:{port}"
    seller = Walk(browser.new_context(viewport=DESKTOP), screenshot_dir, problems)

    # The seller: the dashboard (the same in both themes), its menu folded away on a phone.
    seller.open(f"{store}/dashboard/login/", "dashboard-login")
    seller.page.fill("input[name=email]", OWNER[0])
    seller.page.fill("input[name=password]", OWNER[1])
    seller.page.click(".panel form button[type=submit]")
    seller.page.wait_for_url(f"{store}/dashboard/")
    dashboard = [
        "", "products/", "products/new/", f"products/{ids['product_id']}/", "products/import/", "orders/",
        f"orders/{ids['paid_order']}/", "sales/", "inbox/", f"inbox/{ids['message']}/", "shipping/", "shipping/new/",
        f"shipping/{ids['zone']}/", f"shipping/{ids['zone']}/rates/{ids['rate']}/", "discounts/", "discounts/new/",
        f"discounts/{ids['discount']}/", "checkout-settings/", "reviews/", "settings/", "homepage/", "pages/",
        "pages/about/", "pages/new/", "navigation/", "api-tokens/", "staff/", "domains/", "billing/", "payments/",
        "export/", "close/", "promotions/", "promotions/new/", f"promotions/{ids['promotion']}/", "reputation/",
        "blocked-buyers/", f"products/{ids['product_id']}/translations/", "payouts/", f"payouts/{ids['month']}/",
        "sponsored/", "collections/", f"collections/{ids['collection_id']}/translations/",
        "pages/about/translations/", "navigation/translations/",
    ]  # fmt: skip
    for path in dashboard:
        seller.open(f"{store}/dashboard/{path}", "dashboard-" + (re.sub(r"\W+", "-", path).strip("-") or "home"))
    seller.page.set_viewport_size(PHONE)
    assert not seller.page.is_visible("#dashboard-menu a[href='/dashboard/orders/']")
    seller.page.click(".menu-button")
    assert seller.page.is_visible("#dashboard-menu a[href='/dashboard/orders/']")

    for theme in ("classic", "midnight"):
        if theme != "classic":
            seller.page.set_viewport_size(DESKTOP)
            seller.page.goto(f"{store}/dashboard/settings/")
            seller.page.check(f"input[name=theme][value={theme}]")
            seller.page.click("#settings-form button[type=submit]")
            seller.page.wait_for_url(f"{store}/dashboard/settings/")
        buyer = Walk(browser.new_context(viewport=DESKTOP), screenshot_dir, problems)
        for path, name in (
            ("/", "home"), ("/products/", "products"), ("/search/?q=mug", "search"),
            (f"/collections/{ids['collection']}/", "collection"), (f"/products/{ids['long_product']}/", "product"),
            (f"/products/{ids['shirt']}/", "product-variants"),
            (f"/products/{ids['socks']}/", "product-on-sale"), ("/pages/about/", "page-about"),
            ("/pages/shipping-returns/", "page-shipping"), ("/contact/", "contact"), ("/contact/thanks/", "contact-thanks"),
            ("/account/signup/", "account-signup"), ("/account/signin/", "account-signin"),
            ("/account/reset/", "account-reset"), (ids["conversation_path"], "conversation"),
        ):  # fmt: skip
            buyer.open(f"{store}{path}", f"{theme}-{name}")
        assert buyer.page.locator("#cart-count").count() == 0

        buyer.page.goto(f"{store}/products/{ids['product']}/")
        buyer.page.fill("#add-to-cart input[name=quantity]", "2")
        buyer.page.click("#add-to-cart button[type=submit]")
        buyer.page.wait_for_url(f"{store}/cart/")
        assert buyer.page.inner_text("#cart-count") == "2"
        buyer.look(f"{theme}-cart")
        buyer.page.click(".cart-page a.button")
        buyer.page.wait_for_url(f"{store}/checkout/")
        buyer.look(f"{theme}-checkout")
        buyer.page.select_option("select[name=country]", "US")
        buyer.page.click("button[name=action][value=update]")
        buyer.page.wait_for_selector("#summary-shipping:text-is('$6.00')")
        # The only rate is chosen already; pressing Pay with the address left empty shows each field's error.
        assert buyer.page.is_checked("input[name=shipping_rate]")
        buyer.page.click("button[name=action][value=pay]")
        buyer.page.wait_for_selector(".errorlist")
        buyer.console = [line for line in buyer.console if "status of 400" not in line]  # the page's own answer
        buyer.look(f"{theme}-checkout-errors")

        buyer.page.goto(f"{store}/account/signin/")
        buyer.page.fill("#signin-form input[name=email]", BUYER[0])
        buyer.page.fill("#signin-form input[name=password]", BUYER[1])
        buyer.page.click("#signin-form button[type=submit]")
        buyer.page.wait_for_url(f"{store}/account/")
        for path, name in (
            ("/account/", "account"), ("/account/password/", "account-password"),
            (f"/orders/{ids['paid_token']}/", "order-paid"), (f"/orders/{ids['pending_token']}/", "order-awaiting-payment"),
        ):  # fmt: skip
            buyer.open(f"{store}{path}", f"{theme}-{name}")
        assert buyer.page.is_visible("#pay-now button")
        buyer.page.context.close()

    visitor = Walk(browser.new_context(viewport=DESKTOP), screenshot_dir, problems)
    for path, name in (
        ("/", "platform-home"), ("/search?q=mug", "platform-search"), ("/directory/stores/", "platform-stores"),
        ("/signup/", "platform-signup"), ("/login/", "platform-login"), ("/password-reset/", "platform-password-reset"),
        ("/buyer/signup/", "buyer-signup"), ("/buyer/signin/", "buyer-signin"), ("/buyer/reset/", "buyer-reset"),
        ("/cart/", "marketplace-cart-empty"),
    ):  # fmt: skip
        visitor.open(f"{platform}{path}", name)
    # The marketplace buyer's own pages.
    shopper = Walk(browser.new_context(viewport=DESKTOP), screenshot_dir, problems)
    shopper.page.goto(f"{platform}/buyer/signin/")
    shopper.page.fill("#buyer-signin-form input[name=email]", MARKETPLACE_BUYER[0])
    shopper.page.fill("#buyer-signin-form input[name=password]", MARKETPLACE_BUYER[1])
    shopper.page.click("#buyer-signin-form button[type=submit]")
    shopper.page.wait_for_url(f"{platform}/buyer/")
    shopper.look("buyer-account")
    shopper.open(f"{platform}/cart/", "marketplace-cart-signed-in")
    shopper.page.context.close()
    visitor.page.goto(f"{platform}/login/")
    visitor.page.fill("input[name=email]", OWNER[0])
    visitor.page.fill("input[name=password]", OWNER[1])
    visitor.page.click(".auth-box button[type=submit]")
    visitor.page.wait_for_url(f"{platform}/account/")
    visitor.look("platform-account")

    assert problems == []
