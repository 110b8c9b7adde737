"""`make serve`'s pieces that need no running server: the Caddy configuration it writes, and its secret key."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tools.serve import CADDY, ServeConfig, caddyfile, ensure_caddy, production_env, secret_key

CADDY_MISSING = ensure_caddy()


def _config(tmp_path: Path, base_domain: str) -> ServeConfig:
    return ServeConfig(base_domain=base_domain, media_host="media.example-usercontent.test", var_dir=tmp_path / "serve",
                       media_root=tmp_path / "media")  # fmt: skip


def _site(text: str, address: str) -> str:
    """The block of the site whose address line is ``address``."""
    start = text.index(f"\n{address} {{\n")
    return text[start : text.index("\n}\n", start)]


@pytest.mark.skipif(CADDY_MISSING is not None, reason=f"Caddy is needed: {CADDY_MISSING}")
@pytest.mark.parametrize("base_domain", ["localhost", "shops.example.com"])
def test_caddy_accepts_the_configuration(tmp_path, base_domain):
    config = _config(tmp_path, base_domain)
    path = tmp_path / "Caddyfile"
    path.write_text(caddyfile(config))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([CADDY, "validate", "--config", str(path), "--adapter", "caddyfile"], env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_base_domain_with_a_dot_gets_one_wildcard_certificate(tmp_path):
    text = caddyfile(_config(tmp_path, "shops.example.com"))
    site = _site(text, "shops.example.com, *.shops.example.com")
    assert "tls internal\n" in site and "on_demand" not in site


def test_under_localhost_each_store_host_gets_its_own_certificate_after_asking(tmp_path):
    config = _config(tmp_path, "localhost")
    text = caddyfile(config)
    assert "on_demand" in _site(text, "*.localhost")
    assert f"ask http://127.0.0.1:{config.web_port}/internal/tls/ask" in text


def test_custom_domains_are_asked_about_and_internal_paths_are_never_relayed(tmp_path):
    text = caddyfile(_config(tmp_path, "shops.example.com"))
    assert "on_demand" in _site(text, "https://")
    assert "@internal path /internal/*\n\trespond @internal 404" in text


def test_the_media_host_serves_files_only_with_nosniff(tmp_path):
    config = _config(tmp_path, "shops.example.com")
    site = _site(caddyfile(config), config.media_host)
    assert f"root * {config.media_root}" in site and "file_server" in site and "reverse_proxy" not in site
    assert "X-Content-Type-Options nosniff" in site


def test_the_secret_key_is_made_once_private_and_kept(tmp_path):
    var_dir = tmp_path / ".var" / "serve"
    first = secret_key(var_dir)
    assert len(first) >= 50
    assert (tmp_path / ".var" / "secret-key").stat().st_mode & 0o777 == 0o600
    assert secret_key(var_dir) == first
    config = _config(tmp_path, "localhost")
    assert production_env(config, {"MERCATO_SECRET_KEY": "from-the-environment"})["MERCATO_SECRET_KEY"] == (
        "from-the-environment"
    )
    assert production_env(config, {})["DJANGO_SETTINGS_MODULE"] == "platform.settings.production"
