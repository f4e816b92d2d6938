"""Warning rules evaluated for one month, as `Breach` values: the one seam between the metrics
layer and 预警督办 (cases, the 督办 page, the monthly push).

Everything downstream depends on `Breach` and `Evaluation` only. The rules reuse the overview's
warnings (`metrics.alerts.off_pace` on the status columns the spec asks for) row by row, so a
township listed as behind 时序进度 on 总览 is exactly a township with a breach here, with the
same text.

A rule whose area has no data for the month is not *evaluated* (it is absent from
`Evaluation.rules`): a fund-only load must not look like every township catching up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from data_sources import codes
from metrics import alerts, compare, present, settings, suppress
from metrics.execute import Result, execute
from metrics.model import Period, QuerySpec, Viewer

# The evaluator sees the whole county and small cells: cases are internal work items; what a
# user then sees of them is filtered by the case store and the page.
SYSTEM_VIEWER = Viewer(name="system", townships=None, can_see_small_cells=True)

ENROLL, PROCUREMENT, DRG, MONTHS_PAYABLE, POVERTY = (
    "enroll_behind",
    "proc_behind",
    "drg_over_pace",
    "months_payable",
    "poverty_flags",
)

# rule id -> (area, Chinese rule name)
RULES: dict[str, tuple[str, str]] = {
    ENROLL: ("参保扩面", "乡镇参保任务完成率落后时序进度"),
    PROCUREMENT: ("集中带量采购", "医疗机构集采采购进度落后时序进度"),
    DRG: ("DRG预算执行", "医院DRG预算执行率超出时序进度"),
    MONTHS_PAYABLE: ("基金收支", "基金累计结余可支付月数超出合理区间"),
    POVERTY: ("医疗救助", "防返贫监测预警(当月新增)"),
}

SUBJECT_KINDS = {"township": "乡镇", "institution": "医疗机构", "scheme": "险种"}


@dataclass(frozen=True)
class Breach:
    """One subject in breach of one rule in one month.

    `figures` holds the numbers behind it (ratios as ratios, counts as counts) and `text`,
    the warning sentence as 总览 shows it. `township` is None for county-level subjects (fund).
    """

    area: str
    rule: str
    subject_kind: str  # township / institution / scheme
    subject_code: str
    subject_name: str
    township: str | None
    year: int
    month: int
    figures: dict[str, float | str] = field(default_factory=dict, hash=False, compare=False)
    severity: str = "red"  # metrics.status.Status code

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.subject_kind, self.subject_code)


@dataclass(frozen=True)
class Evaluation:
    """The breaches of a month and the rules that had data to be evaluated at all."""

    year: int
    month: int
    breaches: tuple[Breach, ...]
    rules: frozenset[str]


Fetch = Callable[[QuerySpec], Result]


def _one(alert_list: list[alerts.Alert]) -> alerts.Alert | None:
    return alert_list[0] if alert_list else None


def _pace_breaches(
    result: Result,
    metric_id: str,
    *,
    rule: str,
    kind: str,
    code_col: str,
    name_col: str,
    what: str | None,
    year: int,
    month: int,
) -> list[Breach]:
    """One breach per row the overview's warning (`alerts.off_pace`, the metric's own status rule)
    flags, called on that row alone. `result` was asked for compare=("status",)."""
    area = RULES[rule][0]
    expected = f"{metric_id}{compare.EXPECTED}"
    if expected not in result.frame.columns:  # no time progress (e.g. no targets): nothing to judge
        return []
    frame = result.frame.dropna(subset=[metric_id, expected])
    out = []
    for i in range(len(frame)):
        row = frame.iloc[[i]]
        alert = _one(alerts.off_pace(row, metric_id, name=name_col, area=area, what=what))
        if alert is None:
            continue
        r = row.iloc[0]
        act, exp = float(r[metric_id]), float(r[expected])
        out.append(
            Breach(
                area=area,
                rule=rule,
                subject_kind=kind,
                subject_code=str(r[code_col]),
                subject_name=str(r[name_col]),
                township=str(r["township"]) if "township" in row.columns else None,
                year=year,
                month=month,
                figures={
                    "actual": act,
                    "expected": exp,
                    "gap_pp": round((act - exp) * 100, 2),
                    "text": alert.text,
                },
                severity=alert.severity.code,
            )
        )
    return out


def _enrollment(fetch: Fetch, period: Period) -> list[Breach] | None:
    # The overview's ranking spec and warning call (pages/overview.py), so the texts are equal.
    ranking = fetch(
        QuerySpec.make(["enroll_completion"], period, ["township"], compare=("status",))
    )
    if ranking.empty:
        return None
    return _pace_breaches(
        ranking,
        "enroll_completion",
        rule=ENROLL,
        kind="township",
        code_col="township",
        name_col="township_name",
        what=None,
        year=period.year,
        month=period.month,
    )


def _institutions(fetch: Fetch, period: Period, rule: str) -> list[Breach] | None:
    """集采 behind by more than PROCUREMENT_LAG_PP, DRG ahead by more than DRG_OVER_PACE_PP: the
    margins the catalog declares for proc_progress and drg_execution (`compare.status_of`)."""
    metric = "proc_progress" if rule == PROCUREMENT else "drg_execution"
    result = fetch(
        QuerySpec.make([metric], period, ["township", "institution"], compare=("status",))
    )
    if result.empty:
        return None
    return _pace_breaches(
        result,
        metric,
        rule=rule,
        kind="institution",
        code_col="institution",
        name_col="institution_name",
        what="集采采购进度" if rule == PROCUREMENT else "DRG预算执行率",
        year=period.year,
        month=period.month,
    )


def _months_payable(fetch: Fetch, period: Period) -> list[Breach] | None:
    result = fetch(QuerySpec.make(["fund_months_payable"], period, ["scheme"]))
    if result.empty:
        return None
    out = []
    for scheme, months in zip(result.frame.scheme, result.frame.fund_months_payable, strict=True):
        alert = _one(alerts.months_payable({scheme: months}, codes.SCHEMES))
        if alert is None:
            continue
        out.append(
            Breach(
                area=RULES[MONTHS_PAYABLE][0],
                rule=MONTHS_PAYABLE,
                subject_kind="scheme",
                subject_code=str(scheme),
                subject_name=codes.SCHEMES.get(scheme, str(scheme)),
                township=None,
                year=period.year,
                month=period.month,
                figures={"months": float(months), "text": alert.text},
                severity=alert.severity.code,
            )
        )
    return out


def _poverty(fetch: Fetch, period: Period) -> list[Breach] | None:
    """Townships with new poverty-return flags in the month itself.

    Cases are read by 科室人员 and leave the system in the monthly push, so a small count
    (1..SMALL_CELL_THRESHOLD, metrics.suppress) is kept and shown as '<10', never as the number.
    """
    month_only = Period(period.year, period.month, "month")
    result = fetch(QuerySpec.make(["alert_persons"], month_only, ["township"]))
    if result.frame.empty:
        return None
    frame = result.frame.dropna(subset=["alert_persons"])
    frame = frame[frame["alert_persons"].astype(float) > 0]
    small = suppress.small_rows(frame, ["alert_persons"], settings.SMALL_CELL_THRESHOLD)
    out = []
    for (_, r), hidden in zip(frame.iterrows(), small, strict=True):
        persons: int | str = present.SUPPRESSED_COUNT if hidden else int(r["alert_persons"])
        out.append(
            Breach(
                area=RULES[POVERTY][0],
                rule=POVERTY,
                subject_kind="township",
                subject_code=str(r["township"]),
                subject_name=str(r["township_name"]),
                township=str(r["township"]),
                year=period.year,
                month=period.month,
                figures={
                    "persons": persons,
                    "text": f"{r['township_name']}当月新增防返贫监测预警{persons}人,需及时核查帮扶",
                },
                severity="amber",
            )
        )
    return out


# Which rules a load of a warehouse table can change (the import evaluates only those). A table
# not listed here re-evaluates every rule.
TABLE_RULES: dict[str, frozenset[str]] = {
    "enrollment": frozenset({ENROLL}),
    "enrollment_target": frozenset({ENROLL}),
    "fund_ledger": frozenset({MONTHS_PAYABLE}),
    "fund_opening_balance": frozenset({MONTHS_PAYABLE}),
    "poverty_alert": frozenset({POVERTY}),
    "proc_agreement": frozenset({PROCUREMENT}),
    "proc_purchase": frozenset({PROCUREMENT}),
    "drg_budget": frozenset({DRG}),
    "drg_case": frozenset({DRG}),
    "assistance": frozenset(),
    "township_population": frozenset(),
}


# The flow each rule's area must have *in the month itself* for the rule to be evaluated: the
# year-to-date figures of a month not loaded yet would repeat the previous month's.
PRESENCE: dict[str, str] = {
    ENROLL: "enrolled",
    PROCUREMENT: "proc_purchased",
    DRG: "drg_paid",
    MONTHS_PAYABLE: "fund_income",
    POVERTY: "alert_persons",
}


def _has_month(fetch: Fetch, rule: str, year: int, month: int) -> bool:
    return not fetch(QuerySpec.make([PRESENCE[rule]], Period(year, month, "month"))).empty


def evaluate_with(
    fetch: Fetch, year: int, month: int, only: frozenset[str] | None = None
) -> Evaluation:
    """The rules (all, or those in `only`) for the year-to-date ending in (year, month)."""
    period = Period(year, month)
    found: list[Breach] = []
    rules: set[str] = set()
    for rule, run in (
        (ENROLL, lambda: _enrollment(fetch, period)),
        (PROCUREMENT, lambda: _institutions(fetch, period, PROCUREMENT)),
        (DRG, lambda: _institutions(fetch, period, DRG)),
        (MONTHS_PAYABLE, lambda: _months_payable(fetch, period)),
        (POVERTY, lambda: _poverty(fetch, period)),
    ):
        if (only is not None and rule not in only) or not _has_month(fetch, rule, year, month):
            continue
        breaches = run()
        if breaches is None:
            continue
        rules.add(rule)
        found.extend(breaches)
    return Evaluation(year, month, tuple(found), frozenset(rules))


def evaluate(
    conn: Engine | Connection, year: int, month: int, only: frozenset[str] | None = None
) -> Evaluation:
    """The breaches of (year, month) in a warehouse, seen county-wide.

    For example ``evaluate(engine, 2026, 10).breaches[0].figures["text"]`` reads
    '冈上镇任务完成率92.52%,落后时序进度6.43个百分点' on the demo warehouse.
    """
    return evaluate_with(lambda spec: execute(conn, spec, SYSTEM_VIEWER), year, month, only)
