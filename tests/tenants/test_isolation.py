"""Cache keys, sessions and media paths are per store from day one."""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context


def test_cache_entries_are_per_store(store_a, store_b):
    with schema_context(store_a.schema_name):
        cache.set("homepage", "alpha's page", 60)
    with schema_context(store_b.schema_name):
        assert cache.get("homepage") is None
        cache.set("homepage", "beta's page", 60)
    with schema_context(store_a.schema_name):
        assert cache.get("homepage") == "alpha's page"
        cache.delete("homepage")
    with schema_context(store_b.schema_name):
        assert cache.get("homepage") == "beta's page"
        cache.delete("homepage")


def test_a_session_made_on_one_store_is_empty_on_another(store_a, store_b):
    with schema_context(store_a.schema_name):
        session = SessionStore()
        session["cart"] = [1, 2, 3]
        session.create()
        key = session.session_key
    with schema_context(store_b.schema_name):
        assert SessionStore(session_key=key).load() == {}
        assert not SessionStore().exists(key)
    with schema_context(store_a.schema_name):
        assert SessionStore(session_key=key).load() == {"cart": [1, 2, 3]}
    assert settings.SESSION_COOKIE_DOMAIN is None  # one cookie per host, never shared across stores


def test_uploaded_files_land_in_the_store_own_folder(store_a, store_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with schema_context(store_a.schema_name):
        name = default_storage.save("products/logo.png", ContentFile(b"alpha"))
        url = default_storage.url(name)
    assert (tmp_path / store_a.schema_name / name).read_bytes() == b"alpha"
    assert url.startswith(f"/media/{store_a.schema_name}/")
    with schema_context(store_b.schema_name):
        assert not default_storage.exists(name)
