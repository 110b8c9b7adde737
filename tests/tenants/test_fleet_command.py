"""manage.py migrate_stores refuses bad input with a clear message, runs one at a time and reports the status."""

from __future__ import annotations

from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tenants.fleet.models import SchemaMigrationStatus
from tenants.fleet.runner import ADVISORY_LOCK_KEY, FleetBusy, migrate_fleet
from tenants.fleet.selectors import current_target
from tests.conftest import database_url_for_tests


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lock_timeout": "3s'; DROP SCHEMA public; --"}, "whole number of seconds or milliseconds"),
        ({"lock_timeout": "0s"}, "whole number of seconds or milliseconds"),
        ({"workers": 0}, "--workers must be at least 1"),
        ({"lock_retries": -1}, "--lock-retries"),
        ({"database": "nowhere"}, "No database alias 'nowhere'"),
    ],
)
def test_bad_options_are_refused_with_a_message(db, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("migrate_stores", schema=["store_alpha"], verbosity=0, **options)


def test_only_one_run_at_a_time(committed):
    with psycopg.connect(database_url_for_tests(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        with pytest.raises(FleetBusy):
            migrate_fleet(schemas=[])
        with pytest.raises(CommandError, match="another fleet migration is running"):
            call_command("migrate_stores", schema=["store_alpha"], verbosity=0)


def test_status_counts_rows_done_for_older_migrations_as_pending_and_lists_failures(db, store_a, store_b):
    # Rows committed by earlier tests that ran the executor (the production form's start-up, for one) would be
    # counted too; this test's transaction starts from none, and gets them back when it rolls back.
    SchemaMigrationStatus.objects.all().delete()
    target = current_target()
    SchemaMigrationStatus.objects.create(schema_name=store_a.schema_name, store=store_a, status="done", target=target)
    SchemaMigrationStatus.objects.create(schema_name=store_b.schema_name, store=store_b, status="done", target="old")
    SchemaMigrationStatus.objects.create(
        schema_name="pool_abc", kind="pool", status="failed", target=target, error="ValueError: no such column"
    )
    out = StringIO()
    call_command("migrate_stores", status=True, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "pending=1 migrating=0 done=1 failed=1"
    assert "pool_abc [failed, 0 attempt(s)]: ValueError: no such column" in lines[1]
