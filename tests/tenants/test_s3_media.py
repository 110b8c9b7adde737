"""Uploads on S3-compatible storage: each store's files under its own prefix, read back over HTTP, never another's."""

import json
import subprocess
import sys
from decimal import Decimal

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from storefront.catalog.services import add_product_image, create_product
from tenants.storage import delete_store_media, store_media_names
from tests.conftest import child_env
from tests.storefront.catalog.factories import png
from tests.support import REPO, WAIT_TIMEOUT


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


def _settings_in_a_new_process(module: str, **env: str) -> dict:
    """The media settings a process started with ``env`` gets (settings are read once, at start)."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'storage': settings.STORAGES['default'], 'img': settings.SECURE_CSP['img-src']}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env={**child_env(**env), "DJANGO_SETTINGS_MODULE": module},
        capture_output=True, text=True, timeout=WAIT_TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("module", ["platform.settings", "platform.settings.production"])
def test_a_bucket_in_the_environment_switches_media_to_s3_and_allows_its_pictures(module):
    production = {"MERCATO_SECRET_KEY": "k" * 64, "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    local = _settings_in_a_new_process(module, MERCATO_MEDIA_S3_BUCKET="", MERCATO_MEDIA_HOST="", **production)
    assert local["storage"] == {"BACKEND": "tenants.storage.StoreMediaStorage"}
    s3 = _settings_in_a_new_process(
        module, MERCATO_MEDIA_S3_BUCKET="shop-media", MERCATO_MEDIA_S3_ENDPOINT_URL="https://s3.example.net/",
        MERCATO_MEDIA_S3_PREFIX="mercato", **production,
    )  # fmt: skip
    assert s3["storage"]["BACKEND"] == "tenants.s3_storage.StoreS3Storage"
    assert {key: s3["storage"]["OPTIONS"][key] for key in ("bucket_name", "location", "querystring_auth")} == {
        "bucket_name": "shop-media", "location": "mercato", "querystring_auth": True,
    }  # fmt: skip
    assert s3["img"] == [*local["img"], "https://s3.example.net"]
    behind_cdn = _settings_in_a_new_process(
        module, MERCATO_MEDIA_S3_BUCKET="shop-media", MERCATO_MEDIA_HOST="media.example-cdn.net", **production
    )
    assert behind_cdn["storage"]["OPTIONS"]["querystring_auth"] is False
    assert behind_cdn["img"] == [*local["img"], "https://media.example-cdn.net"]
