"""A throw-away tenant migration for the fleet benchmark and tests, in a temporary migrations module.

The module is written into a temporary folder at run time and named in ``MIGRATION_MODULES``: it re-exports the
app's real migrations and adds one more, so nothing is ever added to the app itself.
"""

from __future__ import annotations

import pkgutil
import secrets
import sys
from importlib import import_module
from pathlib import Path

# A column and an index on the catalog's product table: what a typical expand migration adds.
COLUMN_AND_INDEX = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [({app_label!r}, {leaf!r})]

    operations = [
        migrations.AddField("product", "fleet_probe", models.CharField(max_length=64, default="", blank=True)),
        migrations.AddIndex("product", models.Index(fields=["fleet_probe"], name="catalog_fleet_probe_idx")),
    ]
"""


def write_probe_migrations(folder: Path, *, source: str, app_label: str = "catalog") -> dict[str, str]:
    """Write a migrations package for ``app_label`` under ``folder``: its real migrations plus one made of ``source``
    (a template that may use ``{app_label}`` and ``{leaf}``, the app's latest real migration).

    Puts ``folder`` on ``sys.path`` and returns the ``MIGRATION_MODULES`` setting that selects the package.
    """
    from django.apps import apps

    real_package = f"{apps.get_app_config(app_label).name}.migrations"
    real = import_module(real_package)
    names = sorted(info.name for info in pkgutil.iter_modules(real.__path__) if info.name[0] not in "_~")
    # The app's latest real migration: the one no other real one depends on (read from the real package, as the
    # setting may already name an earlier probe).
    depended_on = {
        name
        for module in names
        for label, name in import_module(f"{real_package}.{module}").Migration.dependencies
        if label == app_label
    }
    (leaf,) = (name for name in names if name not in depended_on)
    package = f"fleet_probe_{secrets.token_hex(4)}"
    target = folder / package / app_label
    target.mkdir(parents=True)
    (folder / package / "__init__.py").write_text('"""A temporary migrations package."""\n')
    (target / "__init__.py").write_text("")
    for name in names:
        (target / f"{name}.py").write_text(
            f"from importlib import import_module\n\nMigration = import_module({f'{real_package}.{name}'!r}).Migration\n"
        )
    (target / "9000_fleet_probe.py").write_text(source.format(app_label=app_label, leaf=leaf))
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return {app_label: f"{package}.{app_label}"}
