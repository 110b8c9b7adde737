"""django-tenants' backend, with a store switch's ``SET search_path`` sent in the same round trip as the query after it.

django-tenants sends ``SET search_path`` on its own before the first query on another schema: a whole round trip
to PostgreSQL on almost every request when a worker serves many stores. Here the statement is held back and put
in front of that first query instead (``SET search_path = …; SELECT …``), which Django's client-side-binding
psycopg cursors send with the simple query protocol, as one message: PostgreSQL runs both and answers once.

Only plain text queries (SELECT, INSERT, UPDATE, DELETE, WITH) on unnamed cursors are joined; a named
(server-side) cursor, ``executemany``, composed SQL and other statements get the ``SET`` first, on its own, as
before. The statements run in one implicit transaction, so a
failing query takes the ``SET`` with it: the connection then forgets it had the path, and the next query sends it
again.
"""

from typing import Any

from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import get_limit_set_calls, quote_schema_name

# Statements that may share an implicit transaction with the SET; others (CREATE DATABASE, VACUUM, CREATE INDEX
# CONCURRENTLY…) refuse to run in one, so they get the SET on its own.
_JOINABLE = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class _SearchPathFirst:
    """Stands in for a raw psycopg cursor until its first ``execute``, which carries the held-back ``SET``."""

    def __init__(self, wrapper: "DatabaseWrapper", raw: Any, django_cursor: Any, search_paths: list[str]) -> None:
        self._wrapper, self._raw, self._django_cursor, self._search_paths = wrapper, raw, django_cursor, search_paths

    def __getattr__(self, name: str) -> Any:
        if name in ("copy", "callproc", "stream"):  # statements the proxy can't join: the SET goes first, alone
            self._django_cursor.cursor = self._raw
            self._set_alone()
        return getattr(self._raw, name)

    def _statement(self) -> str:
        return "SET search_path = " + ",".join(quote_schema_name(schema) for schema in self._search_paths)

    def execute(self, sql: Any, params: Any = None) -> Any:
        self._django_cursor.cursor = self._raw  # once: later statements go straight to psycopg
        if not isinstance(sql, str) or not sql.lstrip()[:6].upper().startswith(_JOINABLE):
            self._set_alone()
            return self._raw.execute(sql, params)
        joined = f"{self._statement()}; {sql}"
        try:
            result = self._raw.execute(joined) if params is None else self._raw.execute(joined, params)
        except Exception:
            self._wrapper.search_path_set_schemas = None
            raise
        self._raw.nextset()  # past the SET's own (empty) result, to the query's
        self._wrapper.search_path_set_schemas = self._search_paths
        return result

    def executemany(self, sql: Any, param_list: Any) -> Any:
        self._django_cursor.cursor = self._raw
        self._set_alone()
        return self._raw.executemany(sql, param_list)

    def _set_alone(self) -> None:
        try:
            self._raw.execute(self._statement())
        except Exception:
            self._wrapper.search_path_set_schemas = None
            raise
        self._wrapper.search_path_set_schemas = self._search_paths


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    def _handle_search_path(self, cursor: Any = None) -> None:
        if cursor is None or self._setting_search_path or not self.schema_name:
            super()._handle_search_path(cursor)  # named cursor, re-entry or no schema: django-tenants' own way
            return
        if get_limit_set_calls() and self.search_path_set_schemas:
            return
        raw = cursor.cursor
        if isinstance(raw, _SearchPathFirst):
            return
        cursor.cursor = _SearchPathFirst(self, raw, cursor, self._get_cursor_search_paths())
