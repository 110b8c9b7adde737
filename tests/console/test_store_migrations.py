"""The console's store migrations page: every schema's fleet migration status, read-only, for platform admins."""

from __future__ import annotations

from tenants.fleet.models import SchemaMigrationStatus
from tenants.fleet.selectors import current_target
from tests.console.conftest import PLATFORM_HOST, admin_url, make_staff


def make_rows(store_a, store_b) -> None:
    target = current_target()
    SchemaMigrationStatus.objects.create(
        schema_name=store_a.schema_name, store=store_a, status="done", target=target, applied=1, attempts=1
    )
    SchemaMigrationStatus.objects.create(
        schema_name=store_b.schema_name, store=store_b, status="failed", target=target, attempts=2,
        error="Traceback ...\nValueError: a product without a title",
    )  # fmt: skip
    SchemaMigrationStatus.objects.create(schema_name="pool_0a1b2c", kind="pool", status="done", target="older")


def test_the_page_lists_each_schema_with_its_status_and_last_error(admin_client, store_a, store_b):
    make_rows(store_a, store_b)
    response = admin_client.get(admin_url("fleet_schemamigrationstatus_changelist"), HTTP_HOST=PLATFORM_HOST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Store migrations: 1 pending, 0 migrating, 1 done, 1 failed" in page
    rows = {row.schema_name: row for row in response.context["cl"].result_list}
    assert set(rows) == {"store_alpha", "store_beta", "pool_0a1b2c"}
    admin = response.context["cl"].model_admin
    assert admin.status_column(rows["store_alpha"]) == "Done"
    assert admin.status_column(rows["pool_0a1b2c"]) == "Pending"  # done, but for older migrations
    assert admin.status_column(rows["store_beta"]) == "Failed"
    assert "ValueError: a product without a title" in page


def test_the_status_filter_counts_rows_done_for_older_migrations_as_pending(admin_client, store_a, store_b):
    make_rows(store_a, store_b)
    url = admin_url("fleet_schemamigrationstatus_changelist")
    listed = {}
    for state in ("pending", "done", "failed", "nonsense"):
        response = admin_client.get(url, {"state": state}, HTTP_HOST=PLATFORM_HOST)
        assert response.status_code == 200
        listed[state] = sorted(row.schema_name for row in response.context["cl"].result_list)
    assert listed == {
        "pending": ["pool_0a1b2c"],
        "done": ["store_alpha"],
        "failed": ["store_beta"],
        "nonsense": [],
    }


def test_rows_are_read_only_and_need_the_dashboard_permission(client, admin_client, store_a, store_b):
    make_rows(store_a, store_b)
    row = SchemaMigrationStatus.objects.get(schema_name="store_beta")
    change = admin_url("fleet_schemamigrationstatus_change", row.pk)
    assert admin_client.post(change, {"status": "done"}, HTTP_HOST=PLATFORM_HOST).status_code == 403
    assert admin_client.get(admin_url("fleet_schemamigrationstatus_add"), HTTP_HOST=PLATFORM_HOST).status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"

    client.force_login(make_staff("support@mercato.test", "tenants.view_store_as_support"))
    listing = admin_url("fleet_schemamigrationstatus_changelist")
    assert client.get(listing, HTTP_HOST=PLATFORM_HOST).status_code == 403
    client.force_login(make_staff("ops@mercato.test", "tenants.view_platform_dashboard"))
    assert client.get(listing, HTTP_HOST=PLATFORM_HOST).status_code == 200
