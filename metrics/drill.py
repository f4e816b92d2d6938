"""乡镇详情 computations: a township's rank history, its area summary and what drives its lag.

Every figure comes from the metrics layer through `fetch` (QuerySpec -> Result): pages pass
`metrics.service.fetch` (scoped to the session's viewer, cached), tests a function executing on a
fixture warehouse. Status, rank, time progress and 同比 are the rules of `metrics.compare` (each
metric's own curve, margin and direction, `compare.status_of`), asked for in the spec where one
spec can answer; this module only arranges them for one township. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import compare, present, units
from metrics.catalog import metric
from metrics.execute import Result
from metrics.model import Period, QuerySpec
from metrics.status import Status
from metrics.suppress import SUPPRESSED

Fetch = Callable[[QuerySpec], Result]

RANK_COLUMNS = ["month", "value", "expected", "rank", "of", "status"]
DRIVER_COLUMNS = ["area", "subject", "code", "gap", "unit", "share_of_gap"]
SUMMARY_COLUMNS = [
    "area",
    "metric",
    "value",
    "target_metric",
    "target",
    "expected",
    "status",
    "yoy",
    "rank",
    "of",
    "suppressed",
]

ENROLLMENT = "参保扩面"
ASSISTANCE = "医疗救助"
PROCUREMENT = "集中带量采购"
DRG = "DRG付费"

# Display units of the gaps (persons whole at township level; 集采 volumes are plain counts).
UNIT_PERSONS = present.DISPLAY_UNIT["persons"]  # 人
UNIT_VOLUME = present.DISPLAY_UNIT["int"]  # no unit word: the agreement's own counting unit
UNIT_WAN_YUAN = present.DISPLAY_UNIT["wan_yuan"]  # 万元
COMPLETION = "enroll_completion"


# --- 1. Rank history ----------------------------------------------------------------------------


def rank_table(
    completion: pd.DataFrame,
    targets: pd.DataFrame,
    year: int,
    last_month: int,
    township: str,
) -> pd.DataFrame:
    """The township's completion rank for each month 1..last_month (pure; see `rank_history`).

    `completion` has columns township, month, enroll_completion (one row per township and month
    with enrollment data); `targets` township, scheme, enroll_target. Every township with a target
    or a figure is ranked each month; a missing figure ranks last (`compare.rank`), and a month in
    which no township has a figure has no rank at all (rank and of missing, status 无数据).
    """
    towns = sorted(set(completion["township"].astype(str)) | set(targets["township"].astype(str)))
    targets = targets.assign(township=targets["township"].astype(str))
    rows = []
    for m in range(1, last_month + 1):
        month = completion[completion["month"].astype(int) == m]
        values = (
            month.assign(township=month["township"].astype(str))
            .set_index("township")["enroll_completion"]
            .reindex(towns)
            .astype(float)
        )
        exp = _expected_of(targets, Period(year, m), township)
        value = values.get(township)
        value = None if value is None or pd.isna(value) else float(value)
        if values.notna().any() and township in values.index:
            ranks = compare.rank(values, higher_is_better=True)
            rank, of = int(ranks[township]), len(values)
        else:
            rank, of = None, None
        rows.append(
            {
                "month": m,
                "value": np.nan if value is None else value,
                "expected": np.nan if exp is None else exp,
                "rank": rank,
                "of": of,
                "status": compare.status_of(COMPLETION, value, exp),
            }
        )
    out = pd.DataFrame(rows, columns=RANK_COLUMNS)
    return out.astype({"rank": "Int64", "of": "Int64"})


def _expected_of(targets: pd.DataFrame, period: Period, township: str) -> float | None:
    """The township's enrollment 时序进度 (scheme curves weighted by its targets), None without."""
    mine = targets[targets["township"] == township]
    expected = compare.expected_by_targets(mine, period, ())
    return None if expected is None or pd.isna(expected) else float(expected)


def rank_history(fetch: Fetch, year: int, last_month: int, township: str) -> pd.DataFrame:
    """参保任务完成率 rank of `township` among all townships at the end of each month 1..last_month.

    Completion at month m = enrolled persons at the end of m (year to date: enrollment is a month-end
    stock) ÷ the year's enrollment target. Rank 1 = highest completion; ties share the better rank
    and a missing figure ranks last, as on the pages (`compare.rank`). `expected` is the 时序进度 at
    month m (scheme curves weighted by target, `compare.expected_by_targets`), `status` the
    township's status against it by the metric's rule (`compare.status_of`, a `Status`). Two queries: completion by township × month, and
    targets by township × scheme; rows are only those the viewer's scope shows.

    Columns: month, value, expected, rank, of, status.
    """
    period = Period(year, last_month)
    completion = fetch(QuerySpec.make(["enroll_completion"], period, ["township", "month"])).frame
    targets = fetch(QuerySpec.make(["enroll_target"], period, ["township", "scheme"])).frame
    if completion.empty:
        completion = pd.DataFrame(columns=["township", "month", "enroll_completion"])
    if targets.empty:
        targets = pd.DataFrame(columns=["township", "scheme", "enroll_target"])
    return rank_table(completion, targets, year, last_month, township)


def enrollment_trend(fetch: Fetch, year: int, last_month: int, township: str) -> pd.DataFrame:
    """The township's enrolled persons at each month end 1..last_month against its plan.

    planned(m) = Σ over schemes of the scheme's yearly target × its 时序进度 at m
    (`compare.enrollment_plan_curve`); gap = planned − enrolled (positive = behind). Two queries,
    both for the township only. Columns: month, enrolled, planned, gap (persons); a month without
    data has enrolled and gap missing. `charts.enrollment_vs_plan` draws the same plan from the
    months with data and `trend_targets`.
    """
    period, where = Period(year, last_month), {"township": township}
    monthly = fetch(QuerySpec.make(["enrolled"], period, ["month"], where)).frame
    targets = trend_targets(fetch, year, last_month, township)
    plan = compare.enrollment_plan_curve(targets, last_month)
    if not targets:
        plan["planned"] = np.nan
    enrolled = (
        pd.Series(dtype=float)
        if monthly.empty
        else monthly.assign(month=monthly["month"].astype(int)).set_index("month")["enrolled"]
    )
    out = plan.assign(enrolled=plan["month"].map(enrolled).astype(float))
    out["gap"] = out["planned"] - out["enrolled"]
    return out[["month", "enrolled", "planned", "gap"]]


def trend_targets(fetch: Fetch, year: int, last_month: int, township: str) -> dict[str, float]:
    """The township's yearly enrollment target per scheme (the plan of `enrollment_trend`, and
    what `charts.enrollment_vs_plan` draws it from); empty without targets."""
    spec = QuerySpec.make(
        ["enroll_target"], Period(year, last_month), ["scheme"], {"township": township}
    )
    split = fetch(spec).frame
    if split.empty:
        return {}
    return {
        str(s): float(t)
        for s, t in zip(split["scheme"], split["enroll_target"], strict=True)
        if t is not None and not pd.isna(t)
    }


# --- 2. Area summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """One area of 乡镇详情: its headline metric and the target it is measured against. Its time
    progress, margin and direction are the metric's own (metrics/catalog)."""

    name: str
    metric: str
    target_metric: str | None
    extra: tuple[str, ...]  # inputs fetched alongside (the target)


AREAS: tuple[Area, ...] = (
    Area(ENROLLMENT, COMPLETION, "enroll_target", ("enroll_target",)),
    Area(ASSISTANCE, "assist_amount", None, ("assist_times",)),
    # 滞后 beyond PROCUREMENT_LAG_PP behind time progress, as on the 集采 page and the overview.
    Area(PROCUREMENT, "proc_progress", "proc_agreed", ("proc_agreed",)),
    # 超进度 beyond DRG_OVER_PACE_PP ahead of time progress, as on the DRG page and the overview.
    Area(DRG, "drg_execution", "drg_budget", ("drg_budget",)),
)


def _row_of(frame: pd.DataFrame, township: str) -> pd.Series | None:
    if frame.empty or "township" not in frame.columns:
        return None
    mine = frame[frame["township"].astype(str) == township]
    return None if mine.empty else mine.iloc[0]


def _number(row: pd.Series | None, column: str | None) -> float | None:
    if row is None or column is None or column not in row.index:
        return None
    v = row[column]
    return None if v is None or pd.isna(v) else float(v)


def area_summary(fetch: Fetch, period: Period, township: str) -> pd.DataFrame:
    """Each area's figure for `township` with its target, 时序进度, status, 同比 and rank.

    Per area: value = the township's headline metric (参保任务完成率, 医疗救助金额, 采购进度,
    DRG预算执行率); target = the absolute figure it is measured against (参保任务数, 约定采购量,
    DRG付费预算; none for 医疗救助); expected = 时序进度 (enrollment: scheme curves weighted by the
    township's targets; 集采 and DRG: m/12; none for 医疗救助); status = the metric's own rule
    (`compare.status_of`: its margin and direction, DRG lower is better; 无数据 without a figure,
    None where the metric has no time progress); yoy = 同比 (rates in ratio points, amounts as
    growth); rank among the townships the viewer may see where the metric has a direction
    (1 = best). One spec per area asks for all of it (compare=("yoy", "status", "rank")). Figures are read from the
    by-township frame, so small-cell suppression is the one the county table gets
    (`suppressed` True: the value is hidden). `metric`/`target_metric` name the metrics whose
    declared format the value and target take (`present.text`).
    """
    rows = []
    for area in AREAS:
        m = metric(area.metric)
        result = fetch(
            QuerySpec.make(
                [area.metric, *area.extra],
                period,
                ["township"],
                compare=("yoy", "status", "rank"),
            )
        )
        current = result.frame
        row = _row_of(current, township)
        value = _number(row, area.metric)
        expected = _number(row, f"{area.metric}{compare.EXPECTED}")
        # 无数据 without a figure or a time progress (no targets); None: no time progress at all.
        status = None
        if m.progress is not None:
            code = None if row is None else row.get(f"{area.metric}{compare.STATUS}")
            status = Status.of(code) if value is not None else Status.NONE
        rank = of = None
        if m.higher_is_better is not None and value is not None:
            rank = int(_number(row, f"{area.metric}{compare.RANK}") or 0) or None
            of = len(current) if rank is not None else None
        hidden = bool(row is not None and SUPPRESSED in row.index and row[SUPPRESSED])
        rows.append(
            {
                "area": area.name,
                "metric": area.metric,
                "value": np.nan if value is None else value,
                "target_metric": area.target_metric,
                "target": _number(row, area.target_metric),
                "expected": np.nan if expected is None else expected,
                "status": status,
                "yoy": _number(row, f"{area.metric}{compare.CHANGE}"),
                "rank": rank,
                "of": of,
                "suppressed": hidden,
            }
        )
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return out.astype({"target": float, "yoy": float, "rank": "Int64", "of": "Int64"})


# --- 3. Lag drivers -----------------------------------------------------------------------------


def _drivers(
    area: str, subjects: list[str], codes: list[str], gaps: list[float], unit: str, limit: int
) -> pd.DataFrame:
    """Rows behind plan (gap > 0), largest first, with each one's share of the area's whole gap."""
    frame = pd.DataFrame(
        {"subject": subjects, "code": codes, "gap": gaps}, columns=["subject", "code", "gap"]
    )
    frame = frame[frame["gap"].astype(float) > 0]
    total = float(frame["gap"].sum())
    frame = frame.sort_values(["gap", "code"], ascending=[False, True], kind="stable").head(limit)
    return frame.assign(
        area=area, unit=unit, share_of_gap=frame["gap"].astype(float) / total if total else np.nan
    )[DRIVER_COLUMNS]


def enrollment_gaps(
    targets: pd.DataFrame, enrolled: pd.DataFrame, period: Period
) -> list[tuple[str, float]]:
    """(scheme, gap) for one township: gap = 时序进度 of the scheme × its target − enrolled persons.

    `targets` has columns scheme, enroll_target; `enrolled` scheme, enrolled. A scheme with a
    target and no enrolled persons is behind by its whole expected figure.

    >>> t = pd.DataFrame({"scheme": ["employee"], "enroll_target": [120.0]})
    >>> e = pd.DataFrame({"scheme": ["employee"], "enrolled": [20.0]})
    >>> enrollment_gaps(t, e, Period(2023, 6))  # 6/12 × 120 − 20
    [('employee', 40.0)]
    """
    done = dict(zip(enrolled["scheme"].astype(str), enrolled["enrolled"], strict=True))
    out = []
    for scheme, target in zip(targets["scheme"].astype(str), targets["enroll_target"], strict=True):
        if target is None or pd.isna(target):
            continue
        expected = compare.enrollment_expected(period, {scheme: float(target)})
        actual = done.get(scheme)
        actual = 0.0 if actual is None or pd.isna(actual) else float(actual)
        out.append((scheme, float(expected or 0.0) * float(target) - actual))
    return out


def lag_drivers(fetch: Fetch, period: Period, township: str, limit: int = 5) -> pd.DataFrame:
    """What drives `township`'s lag, largest contribution to the gap first within each area.

    Measured year to date up to the period's month (time progress is a year-to-date notion):
    - 参保扩面, by scheme: gap = 时序进度 of the scheme (resident campaign curve, employees m/12)
      × the scheme's target − persons enrolled at the month's end, in persons. Targets are set by
      scheme only, so person groups carry no target and no gap of their own.
    - 集中带量采购, by the township's institutions: gap = m/12 × agreed yearly volume − volume
      purchased so far (all the institution's agreed products together), in volume. An institution
      without an agreement has nothing to fall behind.
    - DRG付费, by the township's hospitals: gap = DRG fund paid so far − m/12 × yearly DRG budget,
      in 万元 (positive = paying ahead of budget pace). A hospital without a budget is left out.
    Only positive gaps (behind plan, or over pace for DRG) are drivers; share_of_gap = the row's gap
    ÷ the sum of all positive gaps of its area in the township (before `limit` cuts the list).
    `limit` rows at most per area. Columns: area, subject (scheme or institution name), code
    (scheme or institution code, for drilling on), gap, unit, share_of_gap.
    """
    ytd = Period(period.year, period.month)
    where = {"township": township}
    parts = []

    targets = fetch(QuerySpec.make(["enroll_target"], ytd, ["scheme"], where)).frame
    enrolled = fetch(QuerySpec.make(["enrolled"], ytd, ["scheme"], where)).frame
    if not targets.empty:
        if enrolled.empty:
            enrolled = pd.DataFrame(columns=["scheme", "enrolled"])
        gaps = enrollment_gaps(targets, enrolled, ytd)
        parts.append(
            _drivers(
                ENROLLMENT,
                [present.dim_value("scheme", s) for s, _ in gaps],
                [s for s, _ in gaps],
                [g for _, g in gaps],
                UNIT_PERSONS,
                limit,
            )
        )

    # The curves the catalog declares for proc_progress and drg_execution (both m/12).
    pace_proc = compare.expected_progress_of("proc_progress", ytd) or 0.0
    pace_drg = compare.expected_progress_of("drg_execution", ytd) or 0.0
    proc = fetch(
        QuerySpec.make(["proc_agreed", "proc_purchased"], ytd, ["institution"], where)
    ).frame
    if not proc.empty:
        proc = proc[proc["proc_agreed"].notna()]
        gaps = pace_proc * proc["proc_agreed"].astype(float) - proc["proc_purchased"].astype(
            float
        ).fillna(0.0)
        parts.append(
            _drivers(
                PROCUREMENT,
                _names(proc),
                proc["institution"].astype(str).tolist(),
                gaps.tolist(),
                UNIT_VOLUME,
                limit,
            )
        )

    drg = fetch(QuerySpec.make(["drg_paid", "drg_budget"], ytd, ["institution"], where)).frame
    if not drg.empty:
        drg = drg[drg["drg_budget"].notna()]
        over = drg["drg_paid"].astype(float).fillna(0.0) - pace_drg * drg["drg_budget"].astype(
            float
        )
        parts.append(
            _drivers(
                DRG,
                _names(drg),
                drg["institution"].astype(str).tolist(),
                [units.yuan_to_wan(v) for v in over],
                UNIT_WAN_YUAN,
                limit,
            )
        )

    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def _names(frame: pd.DataFrame) -> list[str]:
    """Institution names, the code where the name is missing (never None on screen)."""
    if "institution_name" not in frame.columns:
        return frame["institution"].astype(str).tolist()
    return [
        str(n) if n is not None and not pd.isna(n) else str(c)
        for n, c in zip(frame["institution_name"], frame["institution"], strict=True)
    ]


def gap_text(gap: float | None, unit: str) -> str:
    """A driver's gap as the bureau writes it: '102人', '75', '0.80万元' ('—' when missing).

    >>> gap_text(0.8, "万元")
    '0.80万元'
    """
    if gap is None or pd.isna(gap):
        return units.MISSING
    if unit == UNIT_PERSONS:
        return units.fmt_persons(gap, sep=True)
    if unit == UNIT_WAN_YUAN:
        return f"{units.fmt_number(gap, digits=2, sep=True)}{UNIT_WAN_YUAN}"
    return units.fmt_number(gap, digits=0, sep=True)


# --- 4. Institution detail (机构详情) ----------------------------------------------------------

# A hospital's DRG figures and a procurement institution's totals, each one spec for the
# institution alone (where institution = code), with 同比 and the metric's status.
INSTITUTION_DRG = (
    "drg_budget",
    "drg_paid",
    "drg_execution",
    "drg_cases",
    "drg_cmi",
    "drg_avg_cost",
    "drg_cost_per_weight",
    "drg_high_outliers",
)
INSTITUTION_PROC = (
    "proc_agreed",
    "proc_purchased",
    "proc_progress",
    "proc_savings",
    "proc_retained",
)
GROUP_METRICS = ("drg_cases", "drg_paid", "drg_cmi", "drg_avg_cost")
PRODUCT_METRICS = ("proc_agreed", "proc_purchased", "proc_progress", "proc_savings")
REFUSED = (
    "该机构不属于本账号可查看的乡镇,不能查看其数据。如需查看,请联系数据管理员调整账号的乡镇范围。"
)
UNKNOWN = (
    "链接中的机构代码不存在。请从乡镇详情、DRG预算执行或集中带量采购页面的机构表中点击机构查看。"
)


@dataclass(frozen=True)
class Institution:
    """One 定点医药机构 as the institution table records it, with its township's name."""

    code: str
    name: str
    kind: str
    level: str
    township: str
    township_name: str


def institution_of(conn, code: str) -> Institution | None:
    """The institution with `code` (None when there is none): a one-row read of the institution
    dimension, with the code as a bound parameter, for the scope check and the page title; the
    figures themselves come through `fetch`."""
    from sqlalchemy import select

    from data_sources.schema import institution, township

    query = (
        select(
            institution.c.code,
            institution.c.name,
            institution.c.kind,
            institution.c.level,
            institution.c.township_code,
            township.c.name,
        )
        .select_from(
            institution.outerjoin(township, township.c.code == institution.c.township_code)
        )
        .where(institution.c.code == str(code))
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    code_, name, kind, level, town, town_name = row
    return Institution(
        str(code_), str(name), str(kind), str(level), str(town), str(town_name or town)
    )


def institution_refusal(found: Institution | None, scope: frozenset[str] | None) -> str | None:
    """None when a viewer whose township scope is `scope` (None = the whole county) may see the
    institution; otherwise the Chinese reason, which names neither the institution nor figures.

    >>> i = Institution("H1", "县人民医院", "hospital", "二级", "T1", "莲塘镇")
    >>> institution_refusal(i, None) is None, institution_refusal(i, frozenset({"T1"})) is None
    (True, True)
    >>> institution_refusal(i, frozenset({"T2"})) == REFUSED, institution_refusal(None, None) == UNKNOWN
    (True, True)
    """
    if found is None:
        return UNKNOWN
    if scope is not None and found.township not in scope:
        return REFUSED
    return None


def institution_drg(fetch: Fetch, period: Period, code: str) -> Result:
    """The hospital's DRG budget, payments, execution (with 时序进度 and status: 超进度 when
    paying ahead of m/12 beyond the margin), cases, CMI and costs, with 同比; one row, or an
    empty result when the hospital has no DRG budget or case in the period."""
    return fetch(
        QuerySpec.make(
            list(INSTITUTION_DRG),
            period,
            (),
            {"institution": code},
            compare=("yoy", "status"),
        )
    )


def institution_groups(fetch: Fetch, period: Period, code: str) -> Result:
    """The hospital's DRG groups: cases, fund paid, CMI (the group's mean weight) and mean cost
    per case, one row per group (columns drg, drg_name and the metrics)."""
    return fetch(QuerySpec.make(list(GROUP_METRICS), period, ["drg"], {"institution": code}))


def top_groups(groups: pd.DataFrame, by: str, n: int = 10) -> pd.DataFrame:
    """The `n` groups with the most `by` (drg_cases or drg_paid), ties by group code.

    >>> g = pd.DataFrame({"drg": ["G2", "G1", "G3"], "drg_cases": [1, 2, 1]})
    >>> top_groups(g, "drg_cases", 2)["drg"].tolist()
    ['G1', 'G2']
    """
    if groups.empty:
        return groups
    ordered = groups.assign(_v=groups[by].astype(float).fillna(0.0), _c=groups["drg"].astype(str))
    ordered = ordered.sort_values(["_v", "_c"], ascending=[False, True], kind="stable")
    return ordered.drop(columns=["_v", "_c"]).head(n).reset_index(drop=True)


def institution_procurement(fetch: Fetch, period: Period, code: str) -> Result:
    """The institution's agreed yearly volume, volume purchased so far, 采购进度 against 时序进度
    (status: 滞后 beyond the margin), savings and retained funds, with 同比; one row, or an empty
    result without agreements or purchases."""
    return fetch(
        QuerySpec.make(
            list(INSTITUTION_PROC),
            period,
            (),
            {"institution": code},
            compare=("yoy", "status"),
        )
    )


def institution_products(fetch: Fetch, period: Period, code: str) -> pd.DataFrame:
    """The institution's products: agreed yearly volume, purchased so far, completion
    (采购进度) with its 时序进度, gap and status, and savings; lagging products first
    (lowest completion), then by product code. Columns: product, generic_name, batch, batch_name
    and the metrics with `proc_progress_expected`, `_gap`, `_status`, `_status_label`."""
    frame = fetch(
        QuerySpec.make(
            list(PRODUCT_METRICS),
            period,
            ["product", "batch"],
            {"institution": code},
            compare=("status",),
        )
    ).frame
    if frame.empty:
        return frame
    ordered = frame.assign(
        _p=frame["proc_progress"].astype(float), _c=frame["product"].astype(str)
    ).sort_values(["_p", "_c"], na_position="last", kind="stable")
    return ordered.drop(columns=["_p", "_c"]).reset_index(drop=True)


def has_figures(result: Result, metric_ids: tuple[str, ...]) -> bool:
    """True when the one-row result holds any non-zero figure of `metric_ids` (an institution
    without DRG cases comes back as a row of zeros and blanks)."""
    if result.empty:
        return False
    row = result.frame.iloc[0]
    return any(m in row.index and not pd.isna(row[m]) and float(row[m]) != 0.0 for m in metric_ids)
