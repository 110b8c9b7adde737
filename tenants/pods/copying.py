"""Copies one store schema's rows from one database to another, table by table, and checks the copy.

The target schema is made by the tenant migrations beforehand, so only rows travel: each table streams as binary
``COPY … TO STDOUT`` from the source straight into ``COPY … FROM STDIN`` on the target, through the two Django
connections, without a file or an outside program. Columns are named, not taken in order, so a column that two
migration orders put in different places still lands in the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Tables (r) and partitioned tables (p) of one schema, and each one's stored columns (not generated ones).
_COLUMNS_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""
_SEQUENCES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind = 'S' ORDER BY c.relname
"""


class CopyError(Exception):
    """The copy could not be made or does not match its source; the message says which table."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, type), in the source's order

    @property
    def column_list(self) -> str:
        return ", ".join(quoted(name) for name, _ in self.columns)


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def tables_of(cursor: Any, schema: str) -> dict[str, Table]:
    """Every table of ``schema`` with its columns, as the database behind ``cursor`` has it."""
    cursor.execute(_COLUMNS_SQL, [schema])
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in cursor.fetchall():
        columns.setdefault(table, []).append((column, kind))
    return {name: Table(name, tuple(found)) for name, found in columns.items()}


def check_same_tables(source: dict[str, Table], target: dict[str, Table]) -> None:
    """Refuse a target whose tables or columns differ from the source's (a store not migrated to the current code)."""
    if set(source) != set(target):
        only = sorted(set(source) ^ set(target))
        raise CopyError(f"the source and target schemas have different tables ({', '.join(only[:5])}): migrate first")
    for name, table in source.items():
        if set(table.columns) != set(target[name].columns):
            raise CopyError(f"table {name} has different columns on the target: migrate the store first")


def lock_for_copy(cursor: Any, schema: str, tables: dict[str, Table]) -> None:
    """SHARE-lock every table of the schema until the caller's transaction ends: reads go on, writes wait.

    Taken after the writes already running have finished (the lock waits for them), so the rows copied are the
    store's last ones; a write that slips past the read-only flag waits for the move and then fails, on a schema
    that is gone, rather than commit where nobody will read it.
    """
    names = ", ".join(f"{quoted(schema)}.{quoted(name)}" for name in sorted(tables))
    cursor.execute(f"LOCK TABLE {names} IN SHARE MODE")


def copy_rows(source: Any, target: Any, schema: str, tables: dict[str, Table]) -> dict[str, int]:
    """Replace the target tables' rows with the source's; returns the rows copied per table (COPY's own counts).

    ``source`` and ``target`` are Django cursors in open transactions. The target's rows from the migrations
    (its own migration records, default content) are removed first: the source's replace them.
    """
    names = ", ".join(f"{quoted(schema)}.{quoted(name)}" for name in sorted(tables))
    target.execute(f"TRUNCATE {names}")
    # Django's foreign keys are deferrable: checked at the target's commit, whatever order the tables come in.
    target.execute("SET CONSTRAINTS ALL DEFERRED")
    copied: dict[str, int] = {}
    for name in sorted(tables):
        table = tables[name]
        relation = f"{quoted(schema)}.{quoted(name)}"
        # The psycopg cursors under Django's wrappers: COPY streams through them.
        with (
            source.cursor.copy(f"COPY {relation} ({table.column_list}) TO STDOUT (FORMAT BINARY)") as out,
            target.cursor.copy(f"COPY {relation} ({table.column_list}) FROM STDIN (FORMAT BINARY)") as into,
        ):
            for block in out:
                into.write(block)
        copied[name] = target.cursor.rowcount
    return copied


def copy_sequences(source: Any, target: Any, schema: str) -> int:
    """Set each sequence of the target schema where the source's is, so new rows get the ids that come next."""
    source.execute(_SEQUENCES_SQL, [schema])
    sequences = [row[0] for row in source.fetchall()]
    for name in sequences:
        relation = f"{quoted(schema)}.{quoted(name)}"
        source.execute(f"SELECT last_value, is_called FROM {relation}")  # noqa: S608  (quoted identifiers)
        last_value, is_called = source.fetchone()
        target.execute("SELECT setval(%s::regclass, %s, %s)", [relation, last_value, is_called])
    return len(sequences)


def count_rows(cursor: Any, schema: str, tables: dict[str, Table]) -> dict[str, int]:
    """Each table's row count, counted by the database (one query for the whole schema)."""
    if not tables:
        return {}
    parts = [
        f"SELECT %s, count(*) FROM {quoted(schema)}.{quoted(name)}"  # noqa: S608  (quoted identifiers)
        for name in sorted(tables)
    ]
    cursor.execute(" UNION ALL ".join(parts), sorted(tables))
    return {name: int(count) for name, count in cursor.fetchall()}


def check_counts(source: dict[str, int], target: dict[str, int], copied: dict[str, int]) -> None:
    """Every table holds on the target as many rows as on the source, and as many as COPY reported sending."""
    for name, expected in sorted(source.items()):
        if target.get(name) != expected or copied.get(name, expected) != expected:
            raise CopyError(
                f"table {name}: {expected} row(s) on the source, {target.get(name)} on the target "
                f"({copied.get(name)} copied)"
            )
