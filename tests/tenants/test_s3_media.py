"""Uploads on S3-compatible storage: each store's files under its own prefix, read back over HTTP, never another's."""

from decimal import Decimal

import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from storefront.catalog.services import add_product_image, create_product
from tenants.storage import delete_store_media, store_media_names
from tests.storefront.catalog.factories import png
from tests.support import WAIT_TIMEOUT


def test_a_product_picture_is_stored_under_its_store_prefix_and_read_back(s3_media, store_a, store_b):
    picture = png(40, 30, (0, 120, 60))
    with schema_context(store_a.schema_name):
        lamp = create_product(title="S3 Lamp", price=Decimal("12.00"))
        image = add_product_image(product=lamp, file=ContentFile(picture, name="lamp.png"))
        name = image.image.name
        assert name.startswith("products/") and name.endswith(".png")
        with image.image.open("rb") as stored:
            assert stored.read() == picture
        url = image.image.url

    # In the bucket, under the bucket-wide prefix and then the store's schema, and nowhere else.
    assert s3_media.objects() == {f"media/{store_a.schema_name}/{name}": picture}
    # The link the storefront renders is a signed one to the S3 server, which serves the same bytes.
    assert url.startswith(f"{s3_media.client.meta.endpoint_url}/{s3_media.name}/media/{store_a.schema_name}/")
    fetched = requests.get(url, timeout=WAIT_TIMEOUT)
    assert (fetched.status_code, fetched.content) == (200, picture)

    # Store B asking for the same name finds nothing: its names resolve under its own prefix.
    with schema_context(store_b.schema_name):
        assert not default_storage.exists(name)
        assert store_b.schema_name in default_storage.url(name)
    assert store_media_names(store_b.schema_name) == []
    assert store_media_names(store_a.schema_name) == [name]


def test_deleting_a_stores_media_leaves_stores_whose_names_start_the_same(s3_media, store_a):
    """``store_alpha/`` is a prefix of nothing but store_alpha's own keys, not of ``store_alpha_two/``'s."""
    from tenants.storage import write_store_media

    write_store_media(store_a.schema_name, "products/a.png", b"a")
    write_store_media("store_alpha_two", "products/b.png", b"b")
    write_store_media("store_alph", "brand/c.png", b"c")
    delete_store_media(store_a.schema_name)
    assert s3_media.objects() == {"media/store_alpha_two/products/b.png": b"b", "media/store_alph/brand/c.png": b"c"}
