"""manage.py pods backup and restore refuse bad input with a clear message, before touching any database."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["backup"], "needs --to DIR"),
        (["backup", "--to", "{tmp}/dumps", "--pod", "nowhere"], "No pod called nowhere"),
        (["backup", "--to", "{tmp}/a-file"], "Can't write the dumps to"),
        (["restore", "alpha"], "needs one store's slug and --from"),
        (["restore", "alpha", "beta", "--from", "{tmp}/x.dump"], "needs one store's slug and --from"),
        (["restore", "nobody", "--from", "{tmp}/x.dump"], "No store called 'nobody'"),
        (["restore", "alpha", "--from", "{tmp}/missing.dump"], "missing.dump is not a file"),
        (["restore", "alpha", "--from", "{tmp}/a-file"], "pg_restore failed"),
    ],
)
def test_bad_backup_and_restore_requests_are_refused_with_a_message(db, tmp_path, arguments, message):
    (tmp_path / "a-file").write_text("not a dump")
    with pytest.raises(CommandError, match=message):
        call_command("pods", *[argument.replace("{tmp}", str(tmp_path)) for argument in arguments])


def test_without_pods_the_platform_database_is_dumped_and_a_restore_never_writes_over_a_live_schema(db, tmp_path):
    call_command("pods", "backup", "--to", str(tmp_path))
    assert [path.name for path in tmp_path.iterdir()] == ["platform.dump"]
    with pytest.raises(CommandError, match="store_alpha exists on this database"):
        call_command("pods", "restore", "alpha", "--from", str(tmp_path / "platform.dump"))
