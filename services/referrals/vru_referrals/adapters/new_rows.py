"""New rows gathered over a unit of work and written in one statement before it commits.

A referral of someone seen for the first time adds a subject, its identifier links, the referral
and an audit entry. Written by the ORM's unit of work, that was four INSERTs, each a round trip
and the ORM's bookkeeping around it; on this service's hot path a round trip costs more CPU than
anything done with its answer. These rows are only ever added, never read back or changed in
the transaction that adds them, so they can wait and go together: on PostgreSQL as one
statement (an INSERT per row, all but the last in its WITH clause; foreign keys are checked at the
end of the statement), elsewhere as one INSERT per table, parents first.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncSession


# Beyond this many rows (an erasure's audit entries, one per referral) each table's rows go in an
# INSERT of their own, keeping one statement's bound values well within PostgreSQL's limit.
ONE_STATEMENT_ROWS = 16


def row_of(table: Table, mapped: object) -> dict[str, Any]:
    """The row of a mapped domain object: the mapping is imperative, one attribute per column of the same name."""
    return {column.key: getattr(mapped, column.key) for column in table.columns}


def _columns(table: Table, rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """The columns the rows give values for (the others take their defaults): the same for each row."""
    keys = tuple(rows[0])
    assert all(tuple(row) == keys for row in rows), f"rows of {table.name} that give different columns"
    return keys


class NewRows:
    """Rows to insert when the unit of work commits, in the order of `tables` (parents before children)."""

    def __init__(self, session: AsyncSession, tables: Sequence[Table]) -> None:
        self._session = session
        self._rows: dict[Table, list[dict[str, Any] | object]] = {table: [] for table in tables}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self._rows[table].append(row)

    def add_object(self, table: Table, mapped: object) -> None:
        """A new domain object, inserted as it is when the unit of work commits."""
        self._rows[table].append(mapped)

    def clear(self) -> None:
        for rows in self._rows.values():
            rows.clear()

    async def write(self) -> None:
        """Insert everything gathered so far, and forget it."""
        pending = [(table, [row if isinstance(row, dict) else row_of(table, row) for row in rows])
                   for table, rows in self._rows.items() if rows]
        if not pending:
            return
        together = sum(len(rows) for _, rows in pending) <= ONE_STATEMENT_ROWS
        try:
            if together and self._session.bind.dialect.name == "postgresql":
                shape = tuple((table, len(rows), _columns(table, rows)) for table, rows in pending)
                params = {_name(table, i, key): value
                          for table, rows in pending for i, row in enumerate(rows) for key, value in row.items()}
                await self._session.execute(_one_statement(shape), params)
            else:
                for table, rows in pending:
                    await self._session.execute(insert(table), rows)
        finally:
            self.clear()


def _name(table: Table, i: int, key: str) -> str:
    return f"{table.name}_{i}_{key}"


@lru_cache(maxsize=64)
def _one_statement(shape: tuple[tuple[Table, int, tuple[str, ...]], ...]) -> Insert:
    """One INSERT statement for so many rows of each table, its values bound by name.

    Each row is an INSERT of its own, all but the last in the WITH clause: SQLAlchemy caches the
    compiled form of a single-row INSERT, not of a multi-row VALUES. Built once per shape, the
    statement is neither built again nor walked again for its cache key (SQLAlchemy remembers
    the key on it) to find its compiled form.
    """
    inserts = [
        (f"new_{table.name}_{i}",
         insert(table).values({key: bindparam(_name(table, i, key), type_=table.c[key].type) for key in columns}))
        for table, count, columns in shape for i in range(count)
    ]
    *earlier, (_, statement) = inserts
    if earlier:
        statement = statement.add_cte(*(row.cte(name) for name, row in earlier))
    return statement
