"""Columns added to the schema after a warehouse was built: added in place, never by a rebuild.

`metadata.create_all` creates missing tables but not missing columns. A warehouse built before
`township.aliases` existed (the demo file on a bureau's PC, an early real warehouse) gets the
column when the init command runs again or before the next load. Only nullable columns are
listed here, so adding them changes no row.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateColumn

from data_sources.schema import township

# Nullable columns added after the first release, in the order they were added.
ADDED_COLUMNS = ((township, "aliases"),)


def missing_columns(engine: Engine) -> list[tuple[str, str]]:
    """(table, column) pairs declared in ADDED_COLUMNS that the warehouse lacks."""
    out = []
    for table, name in ADDED_COLUMNS:
        try:
            with engine.connect() as conn:
                conn.execute(select(table.c[name]).where(False).limit(0)).all()
        except SQLAlchemyError:
            out.append((table.name, name))
    return out


def upgrade(engine: Engine) -> list[str]:
    """Adds the missing columns it can; returns 'table.column' of each one added.

    DuckDB cannot alter a table other tables refer to (foreign keys): there the column stays
    missing and `has_column` tells the importers to do without it.
    """
    added = []
    for table_name, name in missing_columns(engine):
        table = next(t for t, n in ADDED_COLUMNS if t.name == table_name and n == name)
        # The column's DDL comes from its declaration, never from input.
        ddl = str(CreateColumn(table.c[name]).compile(dialect=engine.dialect))
        prep = engine.dialect.identifier_preparer
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"ALTER TABLE {prep.format_table(table)} ADD COLUMN {ddl}")
        except SQLAlchemyError:
            continue
        added.append(f"{table_name}.{name}")
    return added


def has_column(engine: Engine, table_name: str, name: str) -> bool:
    """Whether the warehouse has an ADDED_COLUMNS column (asked on its own connection, so a
    caller's transaction is never aborted by the probe)."""
    return (table_name, name) not in missing_columns(engine)
