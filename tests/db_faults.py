"""Real database faults for tests of the worker: a row held locked by another connection, and the backend blocked
on that lock cut off by PostgreSQL (``pg_terminate_backend``), so the task sees a genuine ``OperationalError``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from tests.conftest import database_url_for_tests


@contextmanager
def row_locked(table: str, pk: int) -> Iterator[None]:
    """Hold ``SELECT ... FOR UPDATE`` on one row of ``table`` ("schema.table" or "table") until the block ends."""
    with psycopg.connect(database_url_for_tests()) as conn:
        conn.execute(
            sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR UPDATE").format(sql.Identifier(*table.split("."))), [pk]
        )
        try:
            yield
        finally:
            conn.rollback()


def cut_off_backend_waiting_on(table: str, *, timeout: float = 30) -> int:
    """Wait until a backend of the test database is blocked on a lock in a query naming ``table``, then terminate
    it as an administrator would; returns its pid."""
    with psycopg.connect(database_url_for_tests(), autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid() AND query ILIKE %s",
                [f"%{table}%"],
            ).fetchone()
            if row:
                conn.execute("SELECT pg_terminate_backend(%s)", [row[0]])
                return row[0]
            time.sleep(0.05)
    raise AssertionError(f"no connection waited on a lock in {table} within {timeout} s")
