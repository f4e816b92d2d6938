"""Writing whole tables of frames into any warehouse engine, and recording each load.

The one write path of the project: the demo generator uses it now, importers use the same
`insert_frame` and `record_load`, so that "数据截至" and cache invalidation follow every load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping

import duckdb
import pandas as pd
from sqlalchemy import Connection, Engine, Table, insert
from sqlalchemy.exc import DataError, IntegrityError

from data_sources.schema import LOAD_ORDER, load_log, metadata

CHUNK_ROWS = 20_000


def frame_checksum(frame: pd.DataFrame) -> str:
    """sha256 of a frame's CSV text, sorted by all columns, so it is the same on every engine.

    >>> frame_checksum(pd.DataFrame({"a": [2, 1]})) == frame_checksum(pd.DataFrame({"a": [1, 2]}))
    True
    """
    ordered = frame.sort_values(list(frame.columns), kind="mergesort").reset_index(drop=True)
    text = ordered.to_csv(index=False, float_format="%.4f", lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _records(frame: pd.DataFrame) -> Iterator[list[dict]]:
    # Plain Python values: drivers other than DuckDB do not accept numpy scalars.
    columns = list(frame.columns)
    for start in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[start : start + CHUNK_ROWS]
        rows = part.astype(object).where(part.notna(), None).itertuples(index=False, name=None)
        yield [dict(zip(columns, row, strict=True)) for row in rows]


class InsertError(Exception):
    """The warehouse refused rows during an insert; `message` says so in Chinese.

    The validation checks every value against its column first (`data_sources.ranges`), so this
    is the safety net for what it could not foresee; the transaction is rolled back by the caller's
    ``engine.begin()`` block as the error leaves it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# The warehouse refusing the data itself. A lost connection (OperationalError) is not one: it
# keeps its own type, for the connection messages of the callers.
DATA_ERRORS = (
    DataError,
    IntegrityError,
    duckdb.ConversionException,
    duckdb.OutOfRangeException,
    duckdb.ConstraintException,
    OverflowError,  # a driver converting a Python int that its type cannot hold
)


def _insert_message(table: Table, exc: BaseException) -> str:
    what = table.comment or table.name
    text = str(getattr(exc, "orig", None) or exc).lower()
    # The drivers' words for a value beyond its column (DuckDB: "could not cast … to DECIMAL").
    if any(
        k in text for k in ("out of range", "overflow", "precision", "exceed", "could not cast")
    ):
        cause = "有数值超出允许范围"
    elif any(k in text for k in ("duplicate", "unique", "primary key")):
        cause = "有重复的记录"
    elif any(k in text for k in ("too long", "data too long", "string")):
        cause = "有内容过长"
    else:
        cause = "有数据不符合数据表的要求"
    return f"写入“{what}”时数据仓库拒绝了数据({cause}),未作修改。请核对文件中的数值后重新导入。"


def insert_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Inserts a frame whose columns are the table's; returns the row count.

    Raises InsertError (Chinese) when the warehouse refuses a row.
    """
    frame = frame[[c.name for c in table.columns if c.name in frame.columns]]
    if frame.empty:
        return 0
    try:
        _insert(conn, table, frame)
    except DATA_ERRORS as exc:
        raise InsertError(_insert_message(table, exc)) from exc
    return len(frame)


def _insert(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    if conn.dialect.name == "spark":
        from data_sources import spark_writer  # PyHive is needed only for Spark

        spark_writer.insert_frame(conn, table, frame)
    elif conn.dialect.name == "duckdb":
        # DuckDB scans a registered DataFrame natively: far faster than executemany.
        raw = conn.connection.driver_connection
        view = f"_load_{table.name}"
        raw.register(view, frame)
        try:
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            # Identifiers come from the declared schema, never from input.
            conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM {view}')
        finally:
            # After a failed INSERT the transaction is aborted and unregister fails as well; its
            # error must not hide the INSERT's own.
            with contextlib.suppress(duckdb.Error):
                raw.unregister(view)
    else:
        for chunk in _records(frame):
            conn.execute(insert(table), chunk)


def record_load(
    conn: Connection,
    *,
    table_name: str,
    period: str,
    period_end: dt.date,
    rows: int,
    source: str,
    checksum: str,
    loaded_by: str,
) -> None:
    conn.execute(
        insert(load_log).values(
            table_name=table_name,
            period=period,
            period_end=period_end,
            row_count=rows,
            source=source,
            checksum=checksum,
            loaded_at=dt.datetime.now().replace(microsecond=0),
            loaded_by=loaded_by,
        )
    )


def recreate_schema(engine: Engine, app_engine: Engine | None = None) -> None:
    """Drops and creates every declared table (a full rebuild, as the demo generator does).

    In the app store (`app_engine`, by default the one configured for it) the load log and the
    scenarios start afresh with the data; accounts, the audit log and the cases are kept.
    """
    from data_sources import app_store

    app_engine = app_engine or app_store.get_app_engine(engine)
    # First: in a warehouse built before the split, plan_scenario_target has a foreign key to
    # township, which would stop township from being dropped.
    app_store.reset_rebuilt_tables(app_engine)
    if app_engine is not engine:
        from data_sources.schema import app_metadata, plan_scenario_target

        app_metadata.drop_all(engine, tables=[plan_scenario_target], checkfirst=True)
    metadata.drop_all(engine)
    metadata.create_all(engine)


def write_all(
    engine: Engine,
    frames: Mapping[str, pd.DataFrame],
    *,
    period: str,
    period_end: dt.date,
    source: str,
    loaded_by: str,
    app_engine: Engine | None = None,
) -> dict[str, int]:
    """Rebuilds the warehouse from frames keyed by table name, in one transaction per engine.

    The load-log rows go to the app store (`app_engine`, by default the one configured; when it is
    the warehouse, in the same transaction); a separate one gets them once the facts commit. On
    Spark (no transactions, no sequences) only the warehouse tables are rebuilt there
    (`spark_writer`); its app store is always apart (a SQLite file by default).
    """
    from data_sources import app_store

    app = app_engine or app_store.get_app_engine(engine)
    spark = engine.dialect.name == "spark"
    logged = dict(period=period, period_end=period_end, source=source, loaded_by=loaded_by)
    if spark:
        from data_sources import spark_writer

        app_store.reset_rebuilt_tables(app)
        counts = spark_writer.write_all(engine, frames)
    else:
        recreate_schema(engine, app)
        with engine.begin() as conn:
            counts = {t.name: insert_frame(conn, t, frames[t.name]) for t in LOAD_ORDER}
            if app is engine:
                _log_rebuild(conn, frames, counts, **logged)
    if spark or app is not engine:
        with app.begin() as app_conn:
            _log_rebuild(app_conn, frames, counts, **logged)
    return counts


def _log_rebuild(
    conn: Connection, frames: Mapping[str, pd.DataFrame], counts: Mapping[str, int], **logged
) -> None:
    """One load-log row per table of a rebuild (period, source, loaded_by as given)."""
    for table in LOAD_ORDER:
        record_load(
            conn,
            table_name=table.name,
            rows=counts[table.name],
            checksum=frame_checksum(frames[table.name]),
            **logged,
        )
