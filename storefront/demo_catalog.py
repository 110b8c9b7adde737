"""What the demo stores sell; plain data, importable without Django settings (the run command prints it)."""

from dataclasses import dataclass

# The demo's seller account, which owns the three demo stores. Created by `manage.py seed_demo` for local use only.
DEMO_SELLER_EMAIL = "seller@demo.example"
DEMO_SELLER_PASSWORD = "demo-seller-password"  # noqa: S105 - a published demo credential, never a real secret


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
