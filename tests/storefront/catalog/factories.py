"""Test data for the catalog: pictures made on the spot (valid, huge, fake, bombs) and products in a store."""

import io
import struct
import zlib
from decimal import Decimal

from django_tenants.utils import schema_context
from PIL import Image

from storefront.catalog.services import OptionSpec, VariantSpec, create_product


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A small real PNG whose header claims ``width`` x ``height``: what a reader sees before decoding."""
    original = png(8, 8)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    start = 8  # after the signature comes IHDR: length(4) type(4) data(13) crc(4)
    return original[:start] + _chunk(b"IHDR", ihdr) + original[start + 25 :]


def decompression_bomb(side: int = 20_000) -> bytes:
    """A genuine, fully valid 1-bit PNG of side x side pixels that compresses to a few hundred kilobytes."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row * 1000) for _ in range(side // 1000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def make_product(store, title: str = "Trail Mug", price: str = "12.50", **fields):
    """A product in ``store``'s schema through the real service."""
    with schema_context(store.schema_name):
        return create_product(title=title, price=Decimal(price), **fields)


def make_shirt(store, title: str = "Field Shirt", sku_prefix: str = "SHIRT"):
    """A product with two options and four variants (size x colour)."""
    with schema_context(store.schema_name):
        return create_product(
            title=title,
            tags=["apparel", "summer"],
            options=[OptionSpec("Size"), OptionSpec("Colour")],
            variants=[
                VariantSpec(sku=f"{sku_prefix}-{size}-{colour}", price=price, options=[size, colour], stock=5)
                for size, colour, price in (
                    ("S", "Blue", "20.00"),
                    ("S", "Red", "20.00"),
                    ("M", "Blue", "22.00"),
                    ("M", "Red", "22.00"),
                )
            ],
        )
