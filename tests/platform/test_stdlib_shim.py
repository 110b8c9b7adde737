"""The `platform` package must keep behaving like the standard library's module of the same name."""

import subprocess
import sys
import uuid

import platform
from tests.support import REPO


def test_stdlib_names_work_under_pytest():
    assert platform.system() == __import__("os").uname().sysname
    assert platform.python_version() == ".".join(map(str, sys.version_info[:3]))
    assert platform.__file__.endswith("platform/__init__.py")
    assert isinstance(uuid.uuid4(), uuid.UUID)


def test_stdlib_names_work_from_the_repo_root():
    script = (
        "import uuid, platform, sys; "
        "assert platform.__file__.startswith(sys.argv[1]), platform.__file__; "
        "print(platform.system(), platform.python_version(), uuid.uuid4().version)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "platform")], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    system, version, uuid_version = result.stdout.split()
    assert system == platform.system()
    assert version == platform.python_version()
    assert uuid_version == "4"


def test_project_submodules_import_beside_the_stdlib_names():
    from platform import settings

    assert settings.PUBLIC_SCHEMA_URLCONF == "platform.urls_public"
    assert callable(platform.uname)
