"""Django's default database connection, typed as the django-tenants backend the settings configure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import connection as _connection

if TYPE_CHECKING:
    from django.db.backends.postgresql.base import DatabaseWrapper

    class TenantDatabaseWrapper(DatabaseWrapper):
        """What ``django_tenants.postgresql_backend.base.DatabaseWrapper`` adds to PostgreSQL's wrapper."""

        schema_name: str
        # A Store after set_tenant(); django-tenants' own stand-in object after set_schema().
        tenant: Any

        def set_tenant(self, tenant: Any, include_public: bool = True) -> None: ...
        def set_schema(self, schema_name: str, include_public: bool = True, tenant_type: str | None = None) -> None: ...
        def set_schema_to_public(self) -> None: ...


# The same proxy object as django.db.connection: only its static type changes. Django's stubs describe the
# stock backend, and cannot know that DATABASES names django-tenants' subclass with its schema attributes.
connection = cast("TenantDatabaseWrapper", _connection)
