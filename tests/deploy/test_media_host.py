"""Uploads on a host of their own: URLs point there, a store's origin stops serving them, and production refuses
a media host under the base domain."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from tests.conftest import host_of
from tests.platform.test_settings import PRODUCTION_STRIPE, _check

MEDIA_HOST_URL = "https://media.mercato-usercontent.test/"


@pytest.fixture
def uploaded(settings, tmp_path, store_a) -> str:
    settings.MEDIA_ROOT = tmp_path
    folder = Path(tmp_path) / store_a.schema_name
    folder.mkdir()
    (folder / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return f"/media/{store_a.schema_name}/dot.png"


def test_without_a_media_host_the_store_serves_its_own_uploads(client, store_a, uploaded):
    assert client.get(uploaded, HTTP_HOST=host_of(store_a)).status_code == 200


def test_with_a_media_host_upload_urls_point_there_and_no_store_origin_serves_them(client, settings, store_a, uploaded):
    settings.MEDIA_URL = MEDIA_HOST_URL
    with schema_context(store_a.schema_name):
        assert default_storage.url("dot.png") == f"{MEDIA_HOST_URL}{store_a.schema_name}/dot.png"
    assert client.get(uploaded, HTTP_HOST=host_of(store_a)).status_code == 404


def _production(**env: str):
    return _check(
        "platform.settings.production", MERCATO_SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION_STRIPE, **env
    )


def test_production_accepts_a_media_host_of_its_own():
    result = _production(MERCATO_BASE_DOMAIN="shops.example.com", MERCATO_MEDIA_URL=MEDIA_HOST_URL)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("media_url", ["https://media.shops.example.com/", "https://shops.example.com/media/"])
def test_production_refuses_a_media_host_under_the_base_domain(media_url):
    result = _production(MERCATO_BASE_DOMAIN="shops.example.com", MERCATO_MEDIA_URL=media_url)
    assert result.returncode != 0
    assert "MERCATO_MEDIA_URL must be on a host of its own" in result.stderr
