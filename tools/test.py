"""`make test`: find or start the services, make sure a browser is there, then lint, type-check and run the suite.

Extra arguments go to pytest (`make test ARGS="-k routing"`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tools.services import REPO, discover

CHROMIUM = "/usr/bin/chromium"


def ensure_chromium() -> str | None:
    """Install Debian's chromium when missing and possible; return why browser tests can't run, or None."""
    if os.path.exists(CHROMIUM):
        return None
    apt = shutil.which("apt-get")
    if apt is None:
        return "no /usr/bin/chromium and no apt-get to install it (install Chromium, then rerun)"
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and shutil.which("sudo") is None:
        return "no /usr/bin/chromium, and installing it needs root (run: sudo apt-get install chromium)"
    print("[test] installing Debian's chromium for the browser tests…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, apt, "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run([*prefix, apt, "update", "-q"], env=env, check=False)
        subprocess.run(install, env=env, check=False)
    return None if os.path.exists(CHROMIUM) else "installing chromium with apt-get failed"


def main(argv: list[str]) -> int:
    services = discover()
    env = {**os.environ, **services.env(), "DJANGO_SETTINGS_MODULE": "platform.settings.test"}
    missing_browser = ensure_chromium()
    if missing_browser:
        env["MERCATO_BROWSER_MISSING"] = missing_browser
        print(f"[test] browser tests will be skipped: {missing_browser}", flush=True)
    venv_bin = os.path.dirname(sys.executable)
    steps = [
        ("lint", [os.path.join(venv_bin, "ruff"), "check", "."]),
        ("format", [os.path.join(venv_bin, "ruff"), "format", "--check", "."]),
        # The import contracts of pyproject.toml (docs/architecture.md). Run from the checkout with `-c`, so that
        # `platform` is the project's package and not the standard library's module of that name.
        (
            "imports",
            [
                sys.executable,
                "-c",
                "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
                "--no-cache",
            ],
        ),
        # As a module from the checkout, so the django-stubs plugin imports the project's `platform` package.
        ("types", [sys.executable, "-m", "mypy"]),
        ("migrations", [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"]),
        ("system checks", [sys.executable, "manage.py", "check", "--fail-level", "WARNING"]),
        ("static files", [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]),
        ("tests", [sys.executable, "-m", "pytest", *argv]),
    ]
    try:
        for name, command in steps:
            print(f"[test] {name}: {' '.join(command[1:] if name != 'tests' else command[2:])}", flush=True)
            result = subprocess.run(command, env=env, cwd=REPO, check=False)
            if result.returncode != 0:
                print(f"[test] {name} failed", flush=True)
                return result.returncode
        return 0
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
