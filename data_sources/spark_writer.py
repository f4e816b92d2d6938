"""Writing into Spark SQL (HiveServer2), which has neither transactions nor DELETE on parquet tables.

Bulk rows go either as multi-row INSERT … VALUES statements (the dialect's executemany, any
cluster), or, when the URL names a staging directory that this machine and the cluster both see
under the same path (`spark://host:10000/db?stage_dir=/shared/yibao`: a local cluster, NFS),
as one parquet file per table read back with `INSERT … SELECT FROM parquet.`file``: seconds
instead of minutes for the demo's 580,000 rows.

Replacing a slice (an import) is write-then-swap, so that a failure never leaves half a slice:

1. `T__new` receives the rows of `T` outside the slice, then the file's rows; its row count is
   checked against what was expected;
2. only then the swap: `T` → `T__old`, `T__new` → `T`, drop `T__old`.

A failure in step 1 leaves `T` untouched (the next write drops the partial `T__new`). A failure
during step 2 is repaired by `repair` before the next write or by hand: `T__old` with no `T`
means `T__new` was complete, so it becomes `T`; `T__old` next to `T` is dropped. Readers may
see `T` missing for the fraction of a second between the two renames.
"""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    func,
    insert,
    literal_column,
    not_,
    select,
    types,
)
from sqlalchemy.sql.elements import ColumnElement

from data_sources.schema import LOAD_ORDER, region

NEW, OLD = "__new", "__old"
# The tables a warehouse on Spark holds; the app's own tables (load log, scenarios, accounts,
# cases) need sequences and transactions and live in the app store.
WAREHOUSE_TABLES: tuple[Table, ...] = (*LOAD_ORDER, region)
# Above this many rows a staged parquet file beats VALUES statements (~1 s each per 500 rows).
STAGE_MIN_ROWS = 2_000


class SwapError(RuntimeError):
    """A staged table did not hold the rows expected; `T` was left as it was."""


def stage_dir(bind: Engine | Connection) -> Path | None:
    """The shared staging directory named in the URL (`?stage_dir=`), or None."""
    return getattr(bind.dialect, "stage_dir", None)


def copy_table(table: Table, name: str) -> Table:
    """A table with the same columns under another name, without keys (Spark has none)."""
    columns = [
        Column(c.name, c.type, nullable=c.nullable, comment=c.comment) for c in table.columns
    ]
    return Table(name, MetaData(), *columns, comment=table.comment)


def _quoted(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


# --- Inserting ---------------------------------------------------------------------------------


def _arrow_type(col: Column) -> pa.DataType:
    t = col.type
    if isinstance(t, types.Numeric) and not isinstance(t, types.Float):
        return pa.decimal128(t.precision or 38, t.scale or 0)
    if isinstance(t, types.Float):
        return pa.float64()
    if isinstance(t, types.Boolean):
        return pa.bool_()
    if isinstance(t, types.SmallInteger):
        return pa.int16()
    if isinstance(t, types.BigInteger):
        return pa.int64()
    if isinstance(t, types.Integer):
        return pa.int32()
    if isinstance(t, types.DateTime):
        return pa.timestamp("us")
    if isinstance(t, types.Date):
        return pa.date32()
    return pa.string()


def _arrow_column(series: pd.Series, col: Column) -> pa.Array:
    kind = _arrow_type(col)
    if pa.types.is_decimal(kind):
        quantum = decimal.Decimal(1).scaleb(-kind.scale)
        # Through the shortest repr of each float, as the VALUES path does: exact cents.
        values = [
            None
            if pd.isna(v)
            else decimal.Decimal(repr(float(v))).quantize(quantum, decimal.ROUND_HALF_UP)
            for v in series
        ]
        return pa.array(values, type=kind)
    if pa.types.is_date(kind):
        return pa.array(pd.to_datetime(series).dt.date, type=kind)
    if pa.types.is_timestamp(kind):
        return pa.array(pd.to_datetime(series), type=kind)
    return pa.array(series.astype(object).where(series.notna(), None), type=kind)


def insert_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """Appends the frame's rows (its columns are the table's) to the table on Spark."""
    where = stage_dir(conn)
    if where is None or len(frame) < STAGE_MIN_ROWS:
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        conn.execute(insert(table), records)
        return
    columns = [table.c[name] for name in frame.columns]
    arrow = pa.table({c.name: _arrow_column(frame[c.name], c) for c in columns})
    path = Path(where) / f"{table.name}-{uuid.uuid4().hex}.parquet"
    pq.write_table(arrow, path)
    try:
        names = ", ".join(_quoted(conn, c.name) for c in columns)
        # The path is ours (uuid under the configured directory), not a user's value.
        conn.exec_driver_sql(
            f"INSERT INTO {_quoted(conn, table.name)} ({names}) "
            f"SELECT {names} FROM parquet.`{path.as_posix()}`"
        )
    finally:
        path.unlink(missing_ok=True)


# --- Whole rebuild (the demo generator) ---------------------------------------------------------


def create_tables(conn: Connection, tables: tuple[Table, ...] = WAREHOUSE_TABLES) -> None:
    """Creates the tables, which must not exist (after `drop_tables`)."""
    for table in tables:
        table.create(conn, checkfirst=False)


def drop_tables(conn: Connection, tables: tuple[Table, ...] = WAREHOUSE_TABLES) -> None:
    # DROP … IF EXISTS: one statement a table instead of a DESCRIBE and a DROP.
    for table in reversed(tables):
        _drop(conn, table.name)


# --- Replacing a slice: write, then swap --------------------------------------------------------


def _exists(conn: Connection, name: str) -> bool:
    return conn.dialect.has_table(conn, name)


def _rename(conn: Connection, old: str, new: str) -> None:
    conn.exec_driver_sql(f"ALTER TABLE {_quoted(conn, old)} RENAME TO {_quoted(conn, new)}")


def _drop(conn: Connection, name: str) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_quoted(conn, name)}")


def repair(conn: Connection, table: Table) -> str:
    """Finishes or undoes an interrupted swap of `table`; says which ("" when nothing to do).

    >>> # T__old without T: T__new is complete (the swap renames only after the check) → T.
    """
    name = table.name
    old, new = name + OLD, name + NEW
    if _exists(conn, old):
        if not _exists(conn, name):
            _rename(conn, new, name)
            _drop(conn, old)
            return "completed"
        _drop(conn, old)
        _drop(conn, new)
        return "cleaned"
    if _exists(conn, new):
        _drop(conn, new)
        return "discarded"
    return ""


def _count(conn: Connection, table: Table, where: ColumnElement[bool] | None = None) -> int:
    stmt = select(func.count()).select_from(table)
    if where is not None:
        stmt = stmt.where(where)
    return int(conn.execute(stmt).scalar_one())


def replace_slice(
    conn: Connection,
    table: Table,
    slice_where: ColumnElement[bool],
    frame: pd.DataFrame,
    *,
    fail_before_swap: bool = False,
) -> int:
    """Replaces the rows of `table` matching `slice_where` by the frame's; returns rows replaced.

    `fail_before_swap` is a test hook: raise once the staged table is complete, before the swap.
    """
    repair(conn, table)
    staged = copy_table(table, table.name + NEW)
    staged.create(conn)
    keep = not_(func.coalesce(slice_where, literal_column("false")))
    survivors = _count(conn, table, keep)
    total = _count(conn, table)
    names = [c.name for c in table.columns]
    conn.execute(insert(staged).from_select(names, select(*table.c).where(keep)))
    insert_frame(conn, staged, frame[[n for n in names if n in frame.columns]])
    expected = survivors + len(frame)
    got = _count(conn, staged)
    if got != expected:
        _drop(conn, staged.name)
        raise SwapError(f"staged {table.name}: {got} rows, expected {expected}")
    if fail_before_swap:
        raise SwapError("模拟导入在替换前失败(测试用)")
    _rename(conn, table.name, table.name + OLD)
    _rename(conn, staged.name, table.name)
    _drop(conn, table.name + OLD)
    # This session cached the old table's files; later statements on it must read the new ones.
    conn.exec_driver_sql(f"REFRESH TABLE {_quoted(conn, table.name)}")
    return total - survivors


def write_all(engine: Engine, frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    """Drops and recreates the warehouse tables on Spark and fills them; rows per table."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        drop_tables(conn)
        create_tables(conn)
        for table in LOAD_ORDER:
            frame = frames[table.name]
            frame = frame[[c.name for c in table.columns if c.name in frame.columns]]
            if not frame.empty:
                insert_frame(conn, table, frame)
            counts[table.name] = len(frame)
    return counts
