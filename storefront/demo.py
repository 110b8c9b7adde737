"""Demo stores for a newcomer's first run: three stores with products and pictures drawn locally."""

import colorsys
import hashlib
import io
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from platform.accounts.models import User
from tenants.models import Membership, Role, Store
from tenants.pods.routing import store_context
from tenants.services import provision_store

from .catalog.models import Product
from .catalog.services import add_product_image, create_product, delete_product_image
from .checkout.models import ShippingRate, ShippingZone
from .demo_catalog import DEMO_SELLER_EMAIL, DEMO_SELLER_PASSWORD, DEMO_STORES


def product_picture(title: str, size: int = 800) -> bytes:
    """A PNG drawn from the title alone: a two-colour gradient with circles, the same for the same title."""
    digest = hashlib.sha256(title.encode()).digest()
    hue = digest[0] / 255
    top = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.45, 0.95))
    bottom = tuple(int(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.12) % 1, 0.7, 0.7))
    gradient = Image.linear_gradient("L").resize((size, size))
    image = Image.composite(Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), gradient)
    draw = ImageDraw.Draw(image)
    for index in range(4):
        x, y = digest[1 + index * 2] / 255 * size, digest[2 + index * 2] / 255 * size
        radius = size * (0.08 + digest[9 + index] / 255 * 0.18)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255), width=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def seed_demo_stores(*, log: Callable[[str], object] = print) -> list[Store]:
    """Create the demo stores and their products; running it again adds only what is missing."""
    stores = []
    seller = User.objects.filter(email=DEMO_SELLER_EMAIL).first()
    if seller is None:
        seller = User.objects.create_user(
            email=DEMO_SELLER_EMAIL, password=DEMO_SELLER_PASSWORD, full_name="Demo Seller"
        )
        log(f"created demo seller {DEMO_SELLER_EMAIL} (password: {DEMO_SELLER_PASSWORD})")
    for demo in DEMO_STORES:
        store = Store.objects.filter(slug=demo.slug).first()
        if store is None:
            store = provision_store(name=demo.name, slug=demo.slug, owner=seller)
            log(f"created demo store {demo.slug}")
        Membership.objects.get_or_create(store=store, user=seller, defaults={"role": Role.OWNER})
        # On the store's own database: with pods (MERCATO_PODS) the demo stores are placed on them.
        with store_context(store):
            _ensure_demo_shipping()
            for title, price, description in demo.products:
                existing = Product.objects.filter(title=title).first()
                if existing is not None:
                    _redraw_lost_pictures(existing)
                    continue
                create_product(
                    title=title,
                    price=Decimal(price),
                    description=description,
                    image_bytes=product_picture(title),
                )
        stores.append(store)
    return stores


def _redraw_lost_pictures(product: Product) -> None:
    # The database may outlive the media folder (a fresh checkout against the same local PostgreSQL): pictures
    # whose files are gone are drawn again rather than left as broken images on the demo's pages.
    lost = [
        image
        for image in product.images.all()
        if not image.image.name or not image.image.storage.exists(image.image.name)
    ]
    for image in lost:
        delete_product_image(image=image)
    if lost or not product.images.exists():
        add_product_image(
            product=product, file=ContentFile(product_picture(product.title), name=f"{product.slug}.png"),
            alt_text=product.title,
        )  # fmt: skip


def _ensure_demo_shipping() -> None:
    """A zone and two rates, so a buyer can check out of a demo store straight away."""
    if ShippingZone.objects.exists():
        return
    zone = ShippingZone.objects.create(
        name="North America & Europe", countries=["US", "CA", "GB", "DE", "FR", "NL", "IE", "ES", "IT"],
        tax_rate=Decimal("8.000"),
    )  # fmt: skip
    ShippingRate.objects.create(zone=zone, name="Standard", kind=ShippingRate.Kind.FLAT, price=Decimal("6.00"))
    ShippingRate.objects.create(
        zone=zone, name="Free over $75", kind=ShippingRate.Kind.FREE_OVER, min_subtotal=Decimal("75.00")
    )
