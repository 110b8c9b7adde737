"""Demo stores for a newcomer's first run: three stores with products and pictures drawn locally."""

import colorsys
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal

from django_tenants.utils import schema_context
from PIL import Image, ImageDraw

from tenants.models import Store
from tenants.services import provision_store

from .catalog.models import Product
from .catalog.services import create_product


@dataclass(frozen=True)
class DemoStore:
    slug: str
    name: str
    products: tuple[tuple[str, str, str], ...]  # title, price, description


DEMO_STORES = (
    DemoStore(
        "northwind-coffee",
        "Northwind Coffee Roasters",
        (
            ("Ethiopia Yirgacheffe, 250 g", "14.50", "Washed heirloom beans with jasmine and lemon notes."),
            ("Colombia Huila, 250 g", "12.90", "Caramel sweetness, red apple, a long cocoa finish."),
            ("House Espresso Blend, 1 kg", "39.00", "Brazil and Guatemala, roasted for milk drinks."),
            ("Decaf Peru, 250 g", "13.50", "Sugar-cane processed, chocolate and walnut."),
            ("Ceramic Pour-Over Dripper", "28.00", "Hand-glazed, fits size 02 filters."),
            ("Gooseneck Kettle 0.8 l", "54.00", "Stainless steel with a built-in thermometer."),
        ),
    ),
    DemoStore(
        "alder-and-ash",
        "Alder & Ash Ceramics",
        (
            ("Speckled Mug", "24.00", "Stoneware, 350 ml, dishwasher safe."),
            ("Serving Bowl, Large", "68.00", "Wheel-thrown, 28 cm across, oatmeal glaze."),
            ("Bud Vase Trio", "42.00", "Three small vases in moss, sand and slate."),
            ("Dinner Plate", "32.00", "Matte white with a raw clay rim."),
            ("Olive Oil Cruet", "36.00", "Pours without dripping; holds 250 ml."),
        ),
    ),
    DemoStore(
        "pixel-kite",
        "Pixel Kite Toys",
        (
            ("Wooden Rainbow Stacker", "34.00", "Seven arches in water-based paints."),
            ("Delta Kite, Sunrise", "29.50", "Ripstop nylon, 140 cm span, flies in light wind."),
            ("Magnetic Tangram Set", "18.00", "Seven pieces and sixty puzzle cards."),
            ("Plush Narwhal", "22.00", "Recycled-fibre filling, 30 cm long."),
            ("Marble Run Starter", "45.00", "Beech-wood blocks, 40 pieces, two marbles."),
            ("Pocket Kaleidoscope", "9.50", "Brass tube with coloured glass chips."),
            ("Balance Board", "59.00", "Bent birch plywood for ages 3 and up."),
        ),
    ),
)


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


def seed_demo_stores(*, log: callable = print) -> list[Store]:  # type: ignore[valid-type]
    """Create the demo stores and their products; running it again adds only what is missing."""
    stores = []
    for demo in DEMO_STORES:
        store = Store.objects.filter(slug=demo.slug).first()
        if store is None:
            store = provision_store(name=demo.name, slug=demo.slug)
            log(f"created demo store {demo.slug}")
        with schema_context(store.schema_name):
            for title, price, description in demo.products:
                if Product.objects.filter(title=title).exists():
                    continue
                create_product(
                    title=title,
                    price=Decimal(price),
                    description=description,
                    image_bytes=product_picture(title),
                )
        stores.append(store)
    return stores
