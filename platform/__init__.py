"""Mercato's Django project package, which also stands in for the standard library's ``platform`` module.

The customer's layout names this package ``platform``. From the repository root it shadows the standard
library module of the same name, which ``uuid`` (and therefore Django) imports at start-up and calls
``platform.system()`` on. So that both keep working, this file loads the standard library's
``platform.py`` by path under a private name and re-exports every name it defines; the project's own
code lives in the submodules (``platform.settings``, ``platform.celery``, ...), which never collide with it.
"""

import importlib.util as _importlib_util
import os as _os
import sys as _sys

_STDLIB_PATH = _os.path.join(_os.path.dirname(_os.__file__), "platform.py")
_spec = _importlib_util.spec_from_file_location("_stdlib_platform", _STDLIB_PATH)
assert _spec is not None and _spec.loader is not None, f"standard library platform module not found at {_STDLIB_PATH}"
_stdlib_platform = _importlib_util.module_from_spec(_spec)
_sys.modules["_stdlib_platform"] = _stdlib_platform
_spec.loader.exec_module(_stdlib_platform)

for _name, _value in vars(_stdlib_platform).items():
    if not (_name.startswith("__") and _name.endswith("__")):
        globals()[_name] = _value

__all__ = [name for name in vars(_stdlib_platform) if not name.startswith("_")]

del _name, _value, _spec
