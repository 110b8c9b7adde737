"""The rules of docs/architecture.md that the import contracts (pyproject.toml) can't say: views stay private to
their app, and the documented bridges are exactly the contracts' exceptions."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("platform", "tenants", "billing", "storefront", "tools")
URL_ROOTS = {"platform.urls_public", "platform.urls_tenant"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module ``module`` imports, at the top or inside a function."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def _app_of(module: str) -> str:
    """The app a module belongs to: `storefront.orders.views` is in `storefront.orders`; kernels count as apps."""
    parts = module.split(".")
    if parts[0] in ("storefront", "platform", "tenants") and len(parts) > 2:
        return ".".join(parts[:2])
    return ".".join(parts[:2]) if parts[0] == "platform" else parts[0]


def _is_views(module: str) -> bool:
    last = module.rpartition(".")[2]
    return last == "views" or last.endswith("_views")


def test_no_app_imports_another_apps_views():
    modules = _project_modules()
    wrong = sorted(
        f"{importer} imports {imported}"
        for importer, path in modules.items()
        if importer not in URL_ROOTS
        for imported in _imports(importer, path, modules)
        if _is_views(imported) and _app_of(imported) != _app_of(importer)
    )
    assert wrong == [], "pages are reached through URLs; share a service, selector or rendering helper instead"


def test_the_documented_bridges_are_the_contracts_exceptions():
    """Each ignored import of the layers contract is listed in docs/architecture.md, and nothing more."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    ignored = {line for contract in contracts for line in contract.get("ignore_imports", [])}
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Allowed dependencies", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([\w.*]+ -> [\w.*]+)`", section))
    assert documented == ignored


def test_the_kernel_imports_only_django_celery_and_the_standard_library():
    # redis: the client Django's and Celery's Redis backends use, which the degrading cache wraps.
    allowed_roots = {"django", "celery", "redis", "platform"}
    wrong = []
    for path in (ROOT / "platform" / "kit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                if root not in allowed_roots and root not in sys.stdlib_module_names:
                    wrong.append(f"{path.name}: {name}")
                if root == "platform" and not name.startswith("platform.kit"):
                    wrong.append(f"{path.name}: {name}")
    assert wrong == []
