"""Deployment settings: `check --deploy` is clean in production, and production refuses a missing secret."""

import secrets
import subprocess
import sys

from tests.conftest import child_env
from tests.support import REPO


def _check(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={**child_env(**env), "DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
    )


PRODUCTION_STRIPE = {"STRIPE_SECRET_KEY": "sk_test_" + "x" * 24, "STRIPE_WEBHOOK_SECRET": "whsec_" + "y" * 24}


def test_check_deploy_is_clean_under_production_settings():
    result = _check("platform.settings.production", MERCATO_SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION_STRIPE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _check("platform.settings.production", MERCATO_SECRET_KEY="", **PRODUCTION_STRIPE)
    assert result.returncode != 0
    assert "Set MERCATO_SECRET_KEY" in result.stderr


def test_development_settings_would_fail_the_deploy_check():
    # Proves the check above is meaningful: the development defaults are not deployable.
    result = _check("platform.settings")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


def test_production_refuses_to_start_without_stripe_keys():
    result = _check("platform.settings.production", MERCATO_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" in result.stderr
