"""manage.py store suspend|reactivate|export|import|purge: each acts like the console, audits, and fails clearly."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_exists

from tenants.models import AdminAction, Store
from tenants.services import provision_store


def run(*args: str) -> str:
    out = StringIO()
    call_command("store", *args, stdout=out)
    return out.getvalue()


def test_suspend_and_reactivate_write_the_audit_log(store_a):
    assert "suspended alpha" in run("suspend", "alpha", "--reason", "Chargebacks")
    store_a.refresh_from_db()
    assert store_a.status == Store.Status.SUSPENDED and store_a.suspension_reason == "Chargebacks"
    assert "reactivated alpha" in run("reactivate", "alpha", "--reason", "Resolved")
    store_a.refresh_from_db()
    assert store_a.status == Store.Status.ACTIVE
    rows = AdminAction.objects.filter(store_id=store_a.pk).order_by("created_at", "id")
    assert [(r.kind, r.reason, r.actor_email) for r in rows] == [
        ("suspend", "Chargebacks", "command line"),
        ("reactivate", "Resolved", "command line"),
    ]


def test_state_and_name_errors_exit_non_zero(store_a):
    with pytest.raises(CommandError, match="No store with the subdomain 'nope'"):
        run("suspend", "nope", "--reason", "x")
    with pytest.raises(CommandError, match="Only a suspended or closed store can be reactivated"):
        run("reactivate", "alpha", "--reason", "x")
    with pytest.raises(CommandError, match="Say why"):
        run("suspend", "alpha", "--reason", " ")
    with pytest.raises(CommandError):  # argparse: the reason is required
        run("suspend", "alpha")
    with pytest.raises(CommandError):
        run("rename", "alpha")
    assert not AdminAction.objects.exists()


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_export_then_import_from_the_command_line(store_a, archive_root, tmp_path, media_cleanup):
    output = run("export", "alpha", "--output", str(tmp_path))
    exported = next(tmp_path.glob("alpha-*.zip"))
    assert f"exported alpha to {exported}" in output
    out = run("import", str(exported), "--slug", "alpha-copy", "--name", "Alpha Copy", "--reason", "move")
    media_cleanup.append("store_alpha_copy")
    assert "as store alpha-copy" in out
    assert Store.objects.get(slug="alpha-copy").name == "Alpha Copy"
    kinds = AdminAction.objects.order_by("id").values_list("kind", "store_slug", "actor_email")
    assert list(kinds) == [("export", "alpha", "command line"), ("import", "alpha-copy", "command line")]


def test_import_errors_exit_non_zero_and_leave_no_store(store_a, archive_root, tmp_path):
    with pytest.raises(CommandError, match="No archive file"):
        run("import", str(tmp_path / "missing.zip"), "--slug", "new-one")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="no store was made: This file is not a store archive"):
        run("import", str(bad), "--slug", "new-one")
    with pytest.raises(CommandError, match="already taken"):
        run("import", str(bad), "--slug", "beta")
    with pytest.raises(CommandError, match="no account with the email"):
        run("import", str(bad), "--slug", "new-one", "--owner-email", "ghost@nowhere.test")
    assert not Store.objects.filter(slug="new-one").exists() and not schema_exists("store_new_one")


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_purge_needs_a_closed_store_and_the_subdomain_typed(db, media_cleanup):
    store = provision_store(name="Old Shop", slug="old-shop")
    media_cleanup.append(store.schema_name)
    with pytest.raises(CommandError, match="only a closed store can be purged"):
        run("purge", "old-shop", "--confirm", "old-shop", "--reason", "cleanup")
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED, closed_at=timezone.now() - timedelta(days=1))
    with pytest.raises(CommandError, match='Type the store\'s subdomain, "old-shop"'):
        run("purge", "old-shop", "--confirm", "old-shoP", "--reason", "cleanup")
    with pytest.raises(CommandError):  # --confirm is required
        run("purge", "old-shop", "--reason", "cleanup")
    assert schema_exists("store_old_shop")
    assert "purged old-shop" in run("purge", "old-shop", "--confirm", "old-shop", "--reason", "cleanup")
    assert not schema_exists("store_old_shop") and not Store.objects.filter(slug="old-shop").exists()
    row = AdminAction.objects.get(kind="purge")
    assert (row.store_slug, row.reason, row.actor_email) == ("old-shop", "cleanup", "command line")
    assert not (Path(settings.MEDIA_ROOT) / store.schema_name).exists()
