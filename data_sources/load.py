"""Loading one Excel/CSV file of one kind into the warehouse: validate, plan, then replace its slice.

    python -m data_sources.load 参保人数2023年10月.xlsx --kind enrollment [--url URL] [--user 张三]
        [--yes] [--accept-warnings] [--replace-period]

The import page and the command line both call `load_file`:

1. read the file tolerantly (`data_sources.reader`; every data sheet of a workbook,
   `data_sources.sheets`; size and row limits first);
2. validate every row (`data_sources.validate`) and check plausibility against the warehouse
   (`data_sources.plausibility`); any error → nothing is written, the problems are returned
   (`problems_xlsx` makes an error report to fix and resend); warnings (a possible real change)
   need `accept_warnings`;
3. plan: the (period, slice) combinations the file covers (the periods and every key of
   `LoadSpec.slice` present in the file: township, scheme, kind, hospital, …), with the rows and
   totals the warehouse holds for each before and after. Without `confirm` the plan is returned
   and nothing is written (the CLI needs --yes, the page a click);
4. in ONE transaction: delete the warehouse rows of exactly those combinations (with
   `replace_period`, of the whole periods), insert the rows (`writer.insert_frame`) and write the
   load log (`writer.record_load`). Dimensions (名录, no period) are upserted by their key, never
   deleted. A failure half way leaves the warehouse as it was. The new load id changes the
   dashboard's cache key and its "数据截至".

The load log lives in the app store (data_sources.app_store). When that is the warehouse itself
(the default) the log row is in the facts' transaction. When it is another database, no
transaction spans both: the app store is checked before any fact is touched, and the log row is
written right after the facts commit. Should that write fail (the app store went away in
between), the facts stay loaded, the failure is logged and `LoadResult.log_error` says so on the
page and the CLI; the repair is to import the same file again once the app store is back (a load
replaces exactly its slice, so the facts come out the same and the log row is written).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import getpass
import hashlib
import io
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import Connection, Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from data_sources import plausibility, reader, schema, sheets, upgrade, writer
from data_sources.app_store import AppStoreError, ensure_app_tables, get_app_engine, url_of
from data_sources.cases import after_load
from data_sources.config import redact
from data_sources.load_specs import LOAD_STEPS, SPECS, LoadSpec, Problem, load_order_text, spec
from data_sources.validate import validate
from exports.safe import text_only

log = logging.getLogger("yibao.load")

CHUNK = 300  # (period, slice) combinations per DELETE / SELECT: bounded parameter counts


class SimulatedFailure(RuntimeError):
    """Raised by the test hook after the delete, to prove the load rolls back."""


@dataclass(frozen=True)
class SliceChange:
    """One (period, slice) of a plan: what the warehouse holds before and will hold after."""

    period: str  # "2023-10", "2023" or "" for a dimension
    slice: str  # "莲塘镇 · 城乡居民医保"
    rows_before: int
    rows_after: int
    total_before: float
    total_after: float


@dataclass(frozen=True)
class LoadPlan:
    kind: str
    changes: tuple[SliceChange, ...]
    measure: str  # the header of the measure the totals are of ("" when none)
    full_period: bool = False

    @property
    def added(self) -> int:
        return sum(c.rows_after for c in self.changes if c.rows_before == 0)

    @property
    def replaced(self) -> int:
        return sum(c.rows_before for c in self.changes)

    def frame(self) -> pd.DataFrame:
        """The plan as the page shows it (Chinese headers)."""
        out = pd.DataFrame(
            {
                "期间": [c.period for c in self.changes],
                "范围": [c.slice for c in self.changes],
                "操作": [
                    "新增" if c.rows_before == 0 else ("删除" if c.rows_after == 0 else "替换")
                    for c in self.changes
                ],
                "原有行数": [c.rows_before for c in self.changes],
                "导入后行数": [c.rows_after for c in self.changes],
            }
        )
        if self.measure:
            out[f"原{self.measure}合计"] = [c.total_before for c in self.changes]
            out[f"导入后{self.measure}合计"] = [c.total_after for c in self.changes]
        return out

    def lines(self, limit: int = 60) -> list[str]:
        """The plan as the CLI prints it."""
        head = (
            f"导入计划({'按整个期间替换' if self.full_period else '只替换文件涉及的范围'}):"
            f"{len(self.changes)} 个期间/范围,新增 {self.added:,} 行,替换原有 {self.replaced:,} 行。"
        )
        out = [head]
        for c in self.changes[:limit]:
            what = "新增" if c.rows_before == 0 else ("删除" if c.rows_after == 0 else "替换")
            total = (
                f",{self.measure}合计 {_num(c.total_before)} → {_num(c.total_after)}"
                if self.measure
                else ""
            )
            where = " ".join(x for x in (c.period, c.slice) if x)
            out.append(f"  {where}:{what},{c.rows_before:,} 行 → {c.rows_after:,} 行{total}")
        if len(self.changes) > limit:
            out.append(f"  ……其余 {len(self.changes) - limit} 项从略")
        return out


def _num(x: float) -> str:
    return f"{x:,.2f}" if not float(x).is_integer() else f"{int(x):,}"


@dataclass(frozen=True)
class LoadResult:
    ok: bool
    rows: int
    problems: list[Problem] = field(default_factory=list)
    replaced: int = 0  # rows of the same slices that the load replaced
    period: str = ""
    table: str = ""
    plan: LoadPlan | None = None
    warnings: list[Problem] = field(default_factory=list)
    pending: bool = False  # valid and planned, waiting for confirmation: nothing written
    note: str = ""  # which sheets were read
    log_error: str = ""  # facts loaded, but the app store refused the load-log row

    def message(self) -> str:
        if self.ok:
            again = f",替换了原有 {self.replaced:,} 行" if self.replaced else ""
            what = " ".join(x for x in (self.table, self.period) if x)
            return f"导入成功:{what} 共 {self.rows:,} 行{again}。{self.log_error}"
        if self.pending and self.warnings:
            return (
                f"尚未导入:发现 {len(self.warnings)} 个需要确认的提醒(可能是单位填错,"
                "也可能是实际变化),请核对;确认无误后再确认导入。"
            )
        if self.pending:
            what = " ".join(x for x in (self.table, self.period) if x)
            return f"尚未导入:{what} 共 {self.rows:,} 行,请核对导入计划后确认。"
        return f"未导入:发现 {len(self.problems)} 个问题,数据仓库未作任何修改。"


def _periods(frame: pd.DataFrame, s: LoadSpec) -> list[tuple[int, ...]]:
    cols = list(s.period)
    if not cols:
        return []
    return sorted({tuple(int(v) for v in row) for row in frame[cols].itertuples(index=False)})


def _period_text(periods: list[tuple[int, ...]]) -> str:
    if not periods:
        return ""

    def one(p: tuple[int, ...]) -> str:
        return f"{p[0]}-{p[1]:02d}" if len(p) == 2 else str(p[0])

    return one(periods[0]) if len(periods) == 1 else f"{one(periods[0])}~{one(periods[-1])}"


def _period_end(periods: list[tuple[int, ...]]) -> dt.date:
    """The last day of the file's last period; for annual facts and dimensions the load log
    keeps a date too, but `data_sources.areas` reads 数据截至 from monthly facts only."""
    if not periods:
        return dt.date.today()
    last = periods[-1]
    if len(last) == 2:
        return dt.date(last[0], last[1], calendar.monthrange(last[0], last[1])[1])
    return dt.date(last[0], 12, 31)


def _insert_frame(typed: pd.DataFrame, s: LoadSpec) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(typed)))
    for f in s.fields:
        values = list(typed[f.column])
        if f.type in ("year", "month", "int"):
            out[f.column] = pd.array(values, dtype="Int64")
        elif f.type in ("money", "decimal"):
            out[f.column] = pd.array(values, dtype="Float64").astype("float64")
        else:
            out[f.column] = pd.Series(values, dtype=object)
    for c in ("year", "month"):
        if c in typed.columns and c not in out.columns:
            out[c] = pd.array(list(typed[c]), dtype="Int64")
    for c in ("_sheet", "_row"):
        out[c] = list(typed[c])
    return out


def _labels(conn: Connection, s: LoadSpec) -> dict[str, dict[str, str]]:
    """Code → label per slice column, so a plan reads '莲塘镇 · 城乡居民医保'."""
    out: dict[str, dict[str, str]] = {}
    for c in s.slice:
        f = s.field(c) if c in {x.column for x in s.fields} else None
        if f is not None and f.codes:
            out[c] = dict(f.codes)
        elif f is not None and f.type == "township":
            t = schema.township
            out[c] = {str(k): str(v) for k, v in conn.execute(select(t.c.code, t.c.name))}
    return out


def _combos(frame: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return sorted({tuple(r) for r in frame[cols].itertuples(index=False, name=None)}, key=str)


def _match(tbl, cols: list[str], combos: list[tuple]):
    return or_(*(and_(*(tbl.c[c] == v for c, v in zip(cols, k, strict=True))) for k in combos))


def _py(v: object) -> object:
    return v.item() if hasattr(v, "item") else v


def plan_load(
    conn: Connection, frame: pd.DataFrame, s: LoadSpec, *, replace_period: bool = False
) -> LoadPlan:
    """What the load will add and replace, per (period, slice), from aggregated SELECTs."""
    tbl = s.table
    period_cols, slice_cols = list(s.period), list(s.slice)
    cols = period_cols + slice_cols
    where_cols = _slice_columns(s, replace_period)
    measure = s.measure
    after: dict[tuple, tuple[int, float]] = {}
    for key, group in frame.groupby(cols, dropna=False, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        total = float(group[measure].fillna(0).sum()) if measure else 0.0
        after[tuple(_py(v) for v in key)] = (len(group), total)
    before: dict[tuple, tuple[int, float]] = {}
    combos = _combos(frame, where_cols)
    agg = [func.count(), func.sum(tbl.c[measure]) if measure else func.count()]
    for start in range(0, len(combos), CHUNK):
        chunk = [tuple(_py(v) for v in k) for k in combos[start : start + CHUNK]]
        stmt = (
            select(*(tbl.c[c] for c in cols), *agg)
            .where(_match(tbl, where_cols, chunk))
            .group_by(*(tbl.c[c] for c in cols))
        )
        for rec in conn.execute(stmt):
            key = tuple(_norm_key(v) for v in rec[: len(cols)])
            before[key] = (int(rec[-2]), float(rec[-1] or 0) if measure else 0.0)
    after = {tuple(_norm_key(v) for v in k): v for k, v in after.items()}
    labels = _labels(conn, s)
    changes = []
    for key in sorted(set(after) | set(before), key=str):
        p = key[: len(period_cols)]
        sl = key[len(period_cols) :]
        rb, tb = before.get(key, (0, 0.0))
        ra, ta = after.get(key, (0, 0.0))
        if s.is_dimension:
            period, text = "", "、".join(str(v) for v in sl)
        else:
            period = _period_text([tuple(int(v) for v in p)])
            text = " · ".join(
                labels.get(c, {}).get(str(v), str(v)) for c, v in zip(slice_cols, sl, strict=True)
            )
        changes.append(SliceChange(period, text, rb, ra, tb, ta))
    header = s.field(measure).header if measure else ""
    return LoadPlan(
        s.kind, tuple(changes), header, full_period=replace_period and bool(period_cols)
    )


def _norm_key(v: object) -> object:
    v = _py(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _slice_columns(s: LoadSpec, replace_period: bool) -> list[str]:
    """The columns whose value combinations a load replaces: its periods, by default each
    (period × slice) the file carries."""
    return list(s.period) if (replace_period and s.period) else list(s.period) + list(s.slice)


def _delete_slices(conn: Connection, frame: pd.DataFrame, s: LoadSpec, replace_period: bool) -> int:
    tbl = s.table
    cols = _slice_columns(s, replace_period)
    combos = _combos(frame, cols)
    deleted = 0
    for start in range(0, len(combos), CHUNK):
        chunk = [tuple(_py(v) for v in k) for k in combos[start : start + CHUNK]]
        deleted += conn.execute(delete(tbl).where(_match(tbl, cols, chunk))).rowcount or 0
    return max(deleted, 0)


def _upsert_dimension(conn: Connection, frame: pd.DataFrame, s: LoadSpec) -> tuple[int, int]:
    """Updates the rows whose key exists (only the columns that changed: DuckDB refuses to
    rewrite a referenced row's unique columns), inserts the others; (updated, inserted)."""
    tbl = s.table
    key = s.keys[0]
    cols = [f.column for f in s.fields if f.column != key and f.column in frame.columns]
    existing = _existing_rows(conn, s, frame)
    new_rows = frame[~frame[key].isin(list(existing))].copy()
    updated = 0
    for rec in frame[frame[key].isin(list(existing))].to_dict("records"):
        old = existing[rec[key]]
        changed = {
            c: _py(rec[c])
            for c in cols
            if not _same(rec[c], old.get(c)) and not (c == "sort_order" and pd.isna(rec[c]))
        }
        if changed:
            conn.execute(update(tbl).where(tbl.c[key] == rec[key]).values(**changed))
            updated += 1
    _number_sort_order(conn, tbl, new_rows)
    writer.insert_frame(conn, tbl, new_rows)
    return updated, len(new_rows)


def _existing_rows(conn: Connection, s: LoadSpec, frame: pd.DataFrame) -> dict[object, dict]:
    """The warehouse's rows of the file's dimension keys, by key (read 1,000 keys at a time)."""
    tbl, key = s.table, s.keys[0]
    keys = [_py(k) for k in frame[key]]
    existing: dict[object, dict] = {}
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        for rec in conn.execute(select(tbl).where(tbl.c[key].in_(chunk))).mappings():
            existing[rec[key]] = dict(rec)
    return existing


def _next_numbers(conn: Connection, column, count: int) -> range:
    """The `count` numbers after the column's largest (ids, 排列顺序 of new entries)."""
    top = conn.execute(select(func.coalesce(func.max(column), 0))).scalar_one()
    return range(int(top) + 1, int(top) + 1 + count)


def _number_sort_order(conn: Connection, tbl, frame: pd.DataFrame) -> None:
    """New entries without a 排列顺序 are put after the last one, in the file's order."""
    if "sort_order" in frame.columns:
        missing = frame["sort_order"].isna()
        if missing.any():
            frame.loc[missing, "sort_order"] = _next_numbers(
                conn, tbl.c.sort_order, int(missing.sum())
            )


def _number_records(conn: Connection, tbl, frame: pd.DataFrame) -> None:
    """Detail rows without their own id get the next ones (assistance.record_id)."""
    if "record_id" in tbl.c and "record_id" not in frame.columns:
        frame.insert(0, "record_id", _next_numbers(conn, tbl.c.record_id, len(frame)))


def _merged_dimension(conn: Connection, frame: pd.DataFrame, s: LoadSpec) -> pd.DataFrame:
    """The dimension rows the file's keys must end up as: a known key keeps the columns the file
    does not carry (and its order when the file gives none), a new key is appended in order."""
    tbl, key = s.table, s.keys[0]
    existing = _existing_rows(conn, s, frame)
    rows = []
    for rec in frame.to_dict("records"):
        old = existing.get(rec[key], {})
        merged = {c.name: old.get(c.name) for c in tbl.columns}
        merged.update({c: v for c, v in rec.items() if not (c == "sort_order" and pd.isna(v))})
        rows.append(merged)
    out = pd.DataFrame(rows, columns=[c.name for c in tbl.columns])
    _number_sort_order(conn, tbl, out)
    return out


def _replace_on_spark(
    conn: Connection, frame: pd.DataFrame, s: LoadSpec, replace_period: bool
) -> tuple[int, int]:
    """(rows replaced, rows written) of a load on Spark, through `spark_writer.replace_slice`:
    the surviving rows and the file's are written to a staged table, counted, then swapped in by
    two renames; an interrupted swap is finished or undone by the next load (`repair`). A
    dimension's known keys are rewritten with their merged rows; a fact's slice is replaced."""
    from data_sources import spark_writer

    tbl = s.table
    if s.is_dimension:
        key = s.keys[0]
        rows = _merged_dimension(conn, frame, s)
        where = tbl.c[key].in_([_py(k) for k in rows[key]])
        return spark_writer.replace_slice(conn, tbl, where, rows), len(rows)
    cols = _slice_columns(s, replace_period)
    combos = [tuple(_py(v) for v in k) for k in _combos(frame, cols)]
    _number_records(conn, tbl, frame)
    replaced = spark_writer.replace_slice(conn, tbl, _match(tbl, cols, combos), frame)
    return replaced, len(frame)


def _same(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and pd.isna(a)):
        return b is None
    if b is None:
        return False
    try:
        return abs(float(a) - float(b)) < 1e-9  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(a) == str(b)


def _dimension_problems(conn: Connection, frame: pd.DataFrame, s: LoadSpec) -> list[Problem]:
    """A township name another code already holds (names are unique), and on DuckDB a rename
    of a township that facts refer to (DuckDB cannot rewrite it: declare the name as an alias)."""
    if s.kind != "townships":
        return []
    t = schema.township
    if not upgrade.has_column(conn.engine, "township", "aliases"):
        with_alias = [r for r in frame.to_dict("records") if r.get("aliases")]
        if with_alias:
            return [
                Problem(
                    with_alias[0]["_sheet"],
                    None,
                    "别名",
                    "此数据仓库建于旧版本,乡镇表没有“别名”列(DuckDB 不能为已被引用的表增加列):"
                    "请删除“别名”列后导入,或用 python -m data_sources.init 新建数据仓库后重新导入。",
                )
            ]
        frame.drop(columns=["aliases"], inplace=True)
    stored = {str(c): str(n) for c, n in conn.execute(select(t.c.code, t.c.name))}
    owner = {n: c for c, n in stored.items()}
    out = []
    for rec in frame.to_dict("records"):
        code, name = str(rec["code"]), str(rec["name"])
        other = owner.get(name)
        if other is not None and other != code and other not in set(frame["code"]):
            out.append(
                Problem(
                    rec["_sheet"],
                    rec["_row"],
                    "乡镇名称",
                    f"名称“{name}”已属于代码为 {other} 的乡镇,同一名称不能登记两次。",
                )
            )
        if conn.dialect.name == "duckdb" and code in stored and stored[code] != name:
            out.append(
                Problem(
                    rec["_sheet"],
                    rec["_row"],
                    "乡镇名称",
                    f"代码 {code} 已登记为“{stored[code]}”;如需使用新名称“{name}”,请保留原名称,"
                    "把新名称填入“别名”列。",
                )
            )
    return out


def _read(source: reader.Source, s: LoadSpec, name: str) -> tuple[bytes, sheets.Sheets]:
    data = reader._source_bytes(source)
    return data, sheets.read_sheets(data, s, file_name=name)


def load_file(
    engine: Engine,
    source: reader.Source,
    kind: str,
    *,
    user: str,
    file_name: str | None = None,
    confirm: bool = True,
    accept_warnings: bool = False,
    replace_period: bool = False,
    fail_after_delete: bool = False,
    app_engine: Engine | None = None,
    fail_log_write: bool = False,
) -> LoadResult:
    """Reads, validates, plans and (when confirmed and nothing is wrong) loads one file.

    `confirm=False` returns the plan without writing (`pending`); warnings stop the load unless
    `accept_warnings`; `replace_period` deletes whole periods (an explicit choice).
    `app_engine` is the app store (default: the one configured for this warehouse).
    `fail_after_delete` is a test hook: raise after the delete, inside the transaction;
    `fail_log_write` another: a separate app store's log write fails after the facts commit.
    """
    s = spec(kind)
    name = file_name or (Path(source).name if not isinstance(source, bytes) else "上传文件")
    try:
        data, read = _read(source, s, name)
    except reader.ReadError as exc:
        return LoadResult(False, 0, [Problem("", None, "", exc.message)], table=s.title)
    checksum = hashlib.sha256(data).hexdigest()
    app = app_engine or get_app_engine(engine)
    separate = app is not engine
    if confirm and separate:
        try:  # an unreachable app store fails here, before any fact is touched
            ensure_app_tables(app)
        except SQLAlchemyError as exc:
            raise AppStoreError(
                f"无法访问应用库 {redact(url_of(app))}(加载日志写在那里),未导入,"
                "数据仓库未作任何修改。请检查应用库后重试。"
            ) from exc
    try:
        upgrade.upgrade(engine)  # an older warehouse gets the columns added since (aliases)
    except SQLAlchemyError as exc:  # the load itself then reports what is wrong
        log.info("schema upgrade skipped: %s", type(exc).__name__)
    with engine.begin() as conn:
        problems: list[Problem] = []
        typed_parts = []
        for table in read.tables:
            typed, found = validate(conn, table, s)
            problems += found
            typed = typed.copy()
            typed["_sheet"] = table.sheet
            typed["_row"] = [int(r) for r in typed.index]
            typed_parts.append(typed)
        typed = pd.concat(typed_parts, ignore_index=True) if typed_parts else pd.DataFrame()
        if not problems and typed.empty:
            problems = [Problem(read.tables[0].sheet, None, "", "文件中没有数据行(表头下方为空)。")]
        if not problems and len(read.tables) > 1:
            problems = _cross_sheet_duplicates(typed, s) + _cross_sheet_cumulative(typed, s)
        if problems:
            return LoadResult(False, 0, problems, table=s.title, note=read.note)
        frame = _insert_frame(typed, s)
        problems = _dimension_problems(conn, frame, s)
        if problems:
            return LoadResult(False, 0, problems, table=s.title, note=read.note)
        warnings = plausibility.unit_slips(conn, frame, s)
        warnings += plausibility.enrolled_above_population(conn, frame, s)
        periods = _periods(frame, s)
        period = _period_text(periods)
        plan = plan_load(conn, frame, s, replace_period=replace_period)
        if (warnings and not accept_warnings) or not confirm:
            return LoadResult(
                False,
                len(frame),
                [],
                replaced=plan.replaced,
                period=period,
                table=s.title,
                plan=plan,
                warnings=warnings,
                pending=True,
                note=read.note,
            )
        tbl = s.table
        if engine.dialect.name == "spark":
            # No transaction and no DELETE on Spark: the slice is replaced by write-then-swap.
            replaced, rows = _replace_on_spark(
                conn, frame.drop(columns=["_sheet", "_row"]), s, replace_period
            )
        else:
            if s.is_dimension:
                replaced, _ = _upsert_dimension(conn, frame.drop(columns=["_sheet", "_row"]), s)
            else:
                replaced = _delete_slices(conn, frame, s, replace_period)
            if fail_after_delete:
                raise SimulatedFailure("模拟导入中途失败(测试用)")
            frame = frame.drop(columns=["_sheet", "_row"])
            _number_records(conn, tbl, frame)
            rows = len(frame) if s.is_dimension else writer.insert_frame(conn, tbl, frame)
        entry = dict(
            table_name=tbl.name,
            period=period or "名录",
            period_end=_period_end(periods),
            rows=rows,
            source=name[:255],
            checksum=checksum,
            loaded_by=(user or "unknown")[:64],
        )
        if not separate:
            writer.record_load(conn, **entry)
    log_error = _record_separately(app, entry, name, fail_log_write) if separate else ""
    after_load(engine, app)  # 预警督办: evaluate the newest loaded month's rules into cases
    log.info("loaded %s rows of %s (%s) from %s by %s", rows, tbl.name, period, name, user)
    return LoadResult(
        True,
        rows,
        [],
        replaced=max(int(replaced), 0),
        period=period,
        table=s.title,
        plan=plan,
        warnings=warnings,
        note=read.note,
        log_error=log_error,
    )


def _record_separately(app: Engine, entry: dict, name: str, fail: bool = False) -> str:
    """Writes a load-log row into a separate app store after the facts committed.

    Returns "" or, when the write failed, the Chinese note for the result (see the module text).
    """
    try:
        if fail:
            raise SQLAlchemyError("simulated failure of the load-log write (test hook)")
        with app.begin() as conn:
            writer.record_load(conn, **entry)
        return ""
    except SQLAlchemyError:
        log.exception("load-log row for %s not written after the facts committed", name)
        return (
            "但加载日志未能写入应用库(应用库暂不可用),“数据截至”和页面缓存尚未随之更新。"
            "请在应用库恢复后重新导入同一文件:导入只替换同一范围,数据不会重复,加载日志随之补写。"
        )


def _cross_sheet_cumulative(typed: pd.DataFrame, s: LoadSpec) -> list[Problem]:
    """A cumulative count (enrollment) that falls from one sheet's month to a later sheet's
    (each sheet was checked on its own against the warehouse by validate)."""
    if not s.cumulative:
        return []
    col, by = s.cumulative, ["year", *s.cumulative_by]
    out = []
    for _, group in typed.groupby(by, sort=False):
        if group["_sheet"].nunique() < 2:
            continue
        prev = None
        for rec in group.sort_values("month").to_dict("records"):
            if prev is not None and rec["month"] > prev["month"] and rec[col] < prev[col]:
                out.append(
                    Problem(
                        rec["_sheet"],
                        rec["_row"],
                        s.field(col).header,
                        f"累计数不应下降:{rec['year']}年{rec['month']}月为 {rec[col]:,},低于工作表"
                        f"“{prev['_sheet']}”第{prev['_row']}行({prev['month']}月)的 {prev[col]:,}。",
                    )
                )
            prev = rec
    return out


def _cross_sheet_duplicates(typed: pd.DataFrame, s: LoadSpec) -> list[Problem]:
    keys = list(s.keys)
    if not set(keys) <= set(typed.columns):
        return []
    out = []
    seen: dict[tuple, tuple[str, int]] = {}
    for rec in typed.to_dict("records"):
        key = tuple(rec[k] for k in keys)
        if key in seen and seen[key][0] != rec["_sheet"]:
            out.append(
                Problem(
                    rec["_sheet"],
                    rec["_row"],
                    "",
                    f"与工作表“{seen[key][0]}”第{seen[key][1]}行重复,请删除重复行。",
                )
            )
        seen.setdefault(key, (rec["_sheet"], rec["_row"]))
    return out


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "工作表": [p.sheet for p in problems],
            "行号": [p.row if p.row is not None else "" for p in problems],
            "列": [p.column for p in problems],
            "问题说明": [p.message for p in problems],
        }
    )


def problems_xlsx(problems: list[Problem]) -> bytes:
    """An error report: one line per problem (sheet, row, column, message), to fix and resend."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(["导入校验问题清单:请逐条修改原文件后重新导入(文件有任何问题时不会导入任何数据)"])
    ws.append(["工作表", "行号", "列", "问题说明"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
    for p in problems:
        ws.append([p.sheet, p.row, p.column, p.message])
    ws.freeze_panes = "A3"
    text_only(wb)  # a file or sheet name like '=HYPERLINK(..)' stays text
    for col, width in zip("ABCD", (14, 8, 24, 90), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


EXIT_OK, EXIT_REFUSED, EXIT_NOT_CONFIRMED = 0, 1, 3


def main(argv: list[str] | None = None) -> int:
    from data_sources import preflight
    from data_sources.config import warehouse_url
    from data_sources.engine import WarehouseError, create_warehouse_engine

    kinds = "、".join(f"{k}={SPECS[k].title}" for k in LOAD_STEPS)
    parser = argparse.ArgumentParser(
        prog="python -m data_sources.load",
        description="导入 Excel/CSV 数据文件:先校验并列出导入计划(新增/替换哪些期间和范围),"
        "加 --yes 才写入;只替换文件涉及的期间和范围(乡镇、险种、类型、医院……)。",
        epilog=f"导入顺序(先名录后数据):{load_order_text()}。",
    )
    parser.add_argument("file", help="数据文件(.xlsx、.xls 或 .csv)")
    parser.add_argument("--kind", required=True, choices=list(LOAD_STEPS), help=f"数据类型:{kinds}")
    parser.add_argument("--url", default=None, help="数据仓库地址(默认 WAREHOUSE_URL 或演示库)")
    parser.add_argument("--user", default=None, help="导入人(默认当前系统用户)")
    parser.add_argument("--report", default=None, help="有问题时把问题清单写入此 .xlsx 文件")
    parser.add_argument("--yes", action="store_true", help="确认按导入计划写入(否则只显示计划)")
    parser.add_argument(
        "--accept-warnings", action="store_true", help="确认提醒(如疑似单位错误)属实后仍导入"
    )
    parser.add_argument(
        "--replace-period",
        action="store_true",
        help="按整个期间替换:删除文件中各期间的全部原有数据(包括文件未涉及的乡镇、险种等)",
    )
    args = parser.parse_args(argv)
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件:{path}", file=sys.stderr)
        return EXIT_REFUSED
    url = args.url or warehouse_url()

    def fail(message: str) -> int:
        print(f"未导入:{message}", file=sys.stderr)
        return EXIT_REFUSED

    try:
        preflight.require_existing_file(url)
        engine = create_warehouse_engine(url)
    except (preflight.PreflightError, WarehouseError) as exc:
        return fail(exc.message)
    try:
        preflight.require_schema(engine)
        result = load_file(
            engine,
            path,
            args.kind,
            user=args.user or getpass.getuser(),
            confirm=args.yes,
            accept_warnings=args.accept_warnings,
            replace_period=args.replace_period,
        )
    except (preflight.PreflightError, AppStoreError) as exc:
        return fail(exc.message)
    except writer.InsertError as exc:  # rolled back: the warehouse is as it was
        return fail(exc.message)
    except SQLAlchemyError as exc:
        return fail(preflight.interrupted_message(exc))
    finally:
        engine.dispose()
    if result.note:
        print(result.note)
    if result.ok:
        for line in result.plan.lines() if result.plan else []:
            print(line)
        print(f"{result.message()}数据仓库:{redact(url)}")
        return EXIT_REFUSED if result.log_error else EXIT_OK
    if result.pending:
        for line in result.plan.lines() if result.plan else []:
            print(line)
        for w in result.warnings:
            print("  提醒:" + w.text(), file=sys.stderr)
        print(result.message(), file=sys.stderr)
        if result.warnings:
            print("确认提醒属实后,加 --accept-warnings --yes 重新运行。", file=sys.stderr)
        else:
            print("核对无误后,加 --yes 重新运行以写入。", file=sys.stderr)
        return EXIT_NOT_CONFIRMED
    print(result.message(), file=sys.stderr)
    for p in result.problems:
        print("  " + p.text(), file=sys.stderr)
    if args.report:
        Path(args.report).write_bytes(problems_xlsx(result.problems))
        print(f"问题清单已写入 {args.report}", file=sys.stderr)
    return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
