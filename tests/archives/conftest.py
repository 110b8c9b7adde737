"""A store filled with one of everything (pictures on disk included) to export, and the places archives go."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import make_user
from tests.storefront.catalog.factories import png

SEEDED_SLUG = "seeded-goods"


@pytest.fixture
def archive_root(settings, tmp_path) -> Path:
    """Archives written by this test (in this process) go to its own folder."""
    settings.STORE_ARCHIVE_ROOT = tmp_path / "archives"
    return settings.STORE_ARCHIVE_ROOT


@pytest.fixture
def media_cleanup():
    """Schema names whose media folders the test made; removed afterwards (files are not rolled back)."""
    names: list[str] = []
    yield names
    for name in names:
        shutil.rmtree(Path(settings.MEDIA_ROOT) / name, ignore_errors=True)


@pytest.fixture
def seeded_store(db, media_cleanup):
    """A store with products, variants, pictures, collections, pages, a menu, orders, reviews, inbox messages,
    shipping, discounts, a cart and an API token; every file of it is real and on disk."""
    from storefront.api.services import create_api_token
    from storefront.cart.models import Cart, CartLine
    from storefront.catalog.services import add_product_image, adjust_stock, create_collection
    from storefront.checkout.models import DiscountCode, ShippingRate, ShippingZone
    from storefront.inbox.models import ContactMessage, Conversation
    from storefront.orders.models import OrderEvent
    from storefront.reviews.models import Review
    from storefront.themes.models import StoreProfile
    from storefront.themes.services import replace_navigation, save_page
    from tenants.services import provision_store
    from tests.storefront.catalog.factories import make_product, make_shirt
    from tests.storefront.reviews.support import make_order

    owner = make_user("owner@seeded.test")
    store = provision_store(name="Seeded Goods", slug=SEEDED_SLUG, owner=owner)
    media_cleanup.append(store.schema_name)
    shirt = make_shirt(store)
    mug = make_product(store, title="Enamel Mug", price="14.00", tags=["kitchen"])
    lamp = make_product(store, title="=SUM(A1) Lamp", price="80.00")  # a formula-like title, for the CSV
    with schema_context(store.schema_name):
        image = add_product_image(product=mug, file=ContentFile(png(40, 30), name="mug.png"), alt_text="A mug")
        image.thumbnail.save("mug-thumb.png", ContentFile(png(20, 15, (10, 10, 10))), save=True)
        add_product_image(product=shirt, file=ContentFile(png(64, 64, (0, 90, 200)), name="shirt.png"))
        profile = StoreProfile.objects.get()
        profile.logo.save("logo.png", ContentFile(png(32, 32, (250, 250, 0))), save=True)
        create_collection(title="Kitchen", products=[mug, lamp])
        create_collection(title="Summer", kind="rule", rule_tag="summer")
        page = save_page(page=None, title="Our story", body="<p>Since 1999.</p>", is_published=True)
        replace_navigation(links=[{"label": "Story", "page": page}, {"label": "Blog", "url": "https://blog.test/"}])
        adjust_stock(variant=mug.variants.get(), delta=7, reason="received", actor="owner@seeded.test")
        zone = ShippingZone.objects.create(name="Home", countries=["US", "CA"], tax_rate=Decimal("0.0725"))
        ShippingRate.objects.create(zone=zone, name="Standard", price=Decimal("5.00"))
        DiscountCode.objects.create(code="WELCOME10", kind="percentage", value=Decimal("10"))
        cart = Cart.objects.create(token="cart-token-1")
        CartLine.objects.create(cart=cart, variant=mug.variants.get(), quantity=2, unit_price=Decimal("14.00"))
        conversation = Conversation.objects.create(
            email="ada@example.com", name="Ada", subject="Wholesale?", last_message_at=timezone.now(),
            handled_at=timezone.now(), handled_by="owner@seeded.test",
        )  # fmt: skip
        ContactMessage.objects.create(
            conversation=conversation, name="Ada", email="ada@example.com", subject="Wholesale?",
            message="Do you sell in bulk?", ip_address="203.0.113.9",
        )  # fmt: skip
        ContactMessage.objects.create(
            conversation=conversation, author="seller", message="Yes, from ten pieces.", sent_by="owner@seeded.test",
        )  # fmt: skip
        create_api_token(name="Inventory sync")
    order = make_order(store, [mug, lamp])
    with schema_context(store.schema_name):
        OrderEvent.objects.create(order=order, kind="placed", message="Gift wrap")
        line = order.lines.order_by("pk").first()
        Review.objects.create(
            product=mug, order=order, order_line=line, rating=5, body="Lovely mug.", author_name="Sam"
        )
    return store
