"""Deployment settings: `check --deploy` is clean in production, and production refuses a missing secret."""

import secrets
import subprocess
import sys

from tests.conftest import REPO, child_env


def _check(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={**child_env(**env), "DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _check("platform.settings.production", MERCATO_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _check("platform.settings.production", MERCATO_SECRET_KEY="")
    assert result.returncode != 0
    assert "Set MERCATO_SECRET_KEY" in result.stderr


def test_development_settings_would_fail_the_deploy_check():
    # Proves the check above is meaningful: the development defaults are not deployable.
    result = _check("platform.settings")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on
