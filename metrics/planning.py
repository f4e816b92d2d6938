"""任务分解: what-if splits of the county's enrollment target per scheme across townships.

Pure functions (no Streamlit, no SQL): the page fetches metric results and passes them here.

- `build_inputs` joins population (`registered_pop`), last year's enrolled and targets, the plan
  year's official target and current progress into one row per township × scheme.
- `plan` runs the chosen method per scheme with `metrics.apportion` (exact, sums to the total),
  with floors from an optional minimum growth over last year's enrolled, caps and locks.
- `comparison` gives the per-township table: proposal, changes, implied coverage, progress and a
  难以完成 mark (thresholds in `metrics.settings`).
- `compare_scenarios` puts two saved scenarios side by side.

Population cap with two schemes: a person is enrolled in one scheme only, so the room of scheme s
in a township is its 户籍人口 minus last year's enrolled of the OTHER scheme, but never below last
year's own enrolled of s: ``room = max(population − enrolled_last(other), enrolled_last(s), 0)``.
(Where the two schemes together already exceed the registered population, e.g. employees working
in the county but registered elsewhere, the cap keeps last year's number and asks no growth.)
Each scheme is capped at its room when the cap is respected, and the gap-closing method treats
``room − enrolled_last(s)`` as the uncovered population of s. Using last year's figures (not the
other scheme's proposal) keeps the two splits independent of each other and of the order in which
they are computed; the sum of the two proposals can still exceed the population when both grow,
which the 难以完成 mark (implied coverage) then shows.

Minimum growth: floor = ceil(last year's enrolled × (1 + g%)); with the cap respected the floor is
lowered to the cap where they conflict ("at least g% where the population allows"), so only the
totals and the locks can make a plan impossible, and the message says which and by how much.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

import pandas as pd

from metrics import apportion, settings
from metrics.apportion import PlanInfeasible

__all__ = [
    "METHODS",
    "SCHEMES",
    "PlanInfeasible",
    "build_inputs",
    "compare_scenarios",
    "comparison",
    "county_row",
    "growth_floors",
    "manual_gaps",
    "plan",
    "plan_scheme",
]

SCHEMES: tuple[str, ...] = ("resident", "employee")

METHODS: dict[str, str] = {
    "population": "按户籍人口比例",
    "last_year": "按上年参保人数比例",
    "equal_coverage": "各乡镇参保率相同",
    "gap_closing": "补缺口",
    "manual": "手工填报",
}

SCHEME_LABELS = {"resident": "城乡居民医保", "employee": "职工医保"}
SCHEME_SHORT = {"resident": "居民", "employee": "职工"}

Key = tuple[str, str]  # (township code, scheme)

INPUT_COLUMNS = [
    "township",
    "township_name",
    "township_order",
    "scheme",
    "population",
    "room",
    "enrolled_last",
    "target_last",
    "target_official",
    "progress",
]


def _col(frame: pd.DataFrame | None, column: str) -> dict[Key, float]:
    if frame is None or frame.empty or column not in frame.columns:
        return {}
    return {
        (str(t), str(s)): float(v)
        for t, s, v in zip(frame["township"], frame["scheme"], frame[column], strict=True)
        if not pd.isna(v)
    }


def build_inputs(
    population: pd.DataFrame,
    last_year: pd.DataFrame | None,
    current: pd.DataFrame | None,
) -> pd.DataFrame:
    """One row per township × scheme with everything the methods and the comparison need.

    ``population``: township, township_name, township_order, registered_pop (metric results);
    ``last_year``: township, scheme, enrolled, enroll_target of the year before the plan year;
    ``current``: township, scheme, enroll_target (official target of the plan year) and enrolled
    (progress so far), either may be missing or empty (planning next year). Missing numbers are
    NaN, except population (0).
    """
    enrolled_last = _col(last_year, "enrolled")
    target_last = _col(last_year, "enroll_target")
    official = _col(current, "enroll_target")
    progress = _col(current, "enrolled")
    rows = []
    towns = population.sort_values("township_order")
    for t, name, order, pop in zip(
        towns["township"],
        towns["township_name"],
        towns["township_order"],
        towns["registered_pop"],
        strict=True,
    ):
        t = str(t)
        pop = 0 if pd.isna(pop) else math.floor(float(pop))
        for s in SCHEMES:
            other = [o for o in SCHEMES if o != s]
            used = sum(enrolled_last.get((t, o), 0.0) for o in other)
            own = enrolled_last.get((t, s), 0.0)
            rows.append(
                {
                    "township": t,
                    "township_name": str(name),
                    "township_order": int(order),
                    "scheme": s,
                    "population": pop,
                    "room": max(math.floor(pop - used), math.floor(own), 0),
                    "enrolled_last": enrolled_last.get((t, s), math.nan),
                    "target_last": target_last.get((t, s), math.nan),
                    "target_official": official.get((t, s), math.nan),
                    "progress": progress.get((t, s), math.nan),
                }
            )
    return pd.DataFrame(rows, columns=INPUT_COLUMNS)


def growth_floors(enrolled_last: Mapping[str, float], min_growth_pct: float) -> dict[str, int]:
    """Floors = ceil(last year's enrolled × (1 + g%)), exact (g taken as written, e.g. 1.5).

    >>> growth_floors({"甲": 1000, "乙": 333}, 1.5)
    {'甲': 1015, '乙': 338}
    """
    rate = 1 + Fraction(str(min_growth_pct)) / 100
    return {
        k: math.ceil(Fraction(round(v)) * rate)
        for k, v in enrolled_last.items()
        if v is not None and not pd.isna(v)
    }


def _need_last_year(part: pd.DataFrame, scheme: str, method: str) -> None:
    if part["enrolled_last"].isna().all():
        raise PlanInfeasible(
            f"没有上年参保人数,无法使用“{METHODS[method]}”方法。请改用按户籍人口比例或手工填报。"
        )


def plan_scheme(
    part: pd.DataFrame,
    scheme: str,
    total: int,
    method: str,
    *,
    min_growth_pct: float | None = None,
    respect_cap: bool = True,
    locks: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Targets of one scheme keyed by township code (``part``: that scheme's rows of the inputs).

    The apportionment is keyed by township NAME so its Chinese messages name the township.
    """
    names = dict(zip(part["township"], part["township_name"], strict=True))
    codes = {v: k for k, v in names.items()}
    pop = {names[t]: int(p) for t, p in zip(part["township"], part["population"], strict=True)}
    room = {names[t]: int(r) for t, r in zip(part["township"], part["room"], strict=True)}
    last = {
        names[t]: (0.0 if pd.isna(v) else float(v))
        for t, v in zip(part["township"], part["enrolled_last"], strict=True)
    }
    lk = {names[t]: int(n) for t, n in (locks or {}).items() if t in names}
    try:
        floors: dict[str, int] | None = None
        if min_growth_pct:
            _need_last_year(part, scheme, method)
            floors = growth_floors(last, min_growth_pct)
        caps = apportion.default_caps(room) if respect_cap else None
        if floors and caps:
            floors = {k: min(v, caps[k]) for k, v in floors.items()}
        kw = {"floors": floors, "caps": caps, "locks": lk}
        if method in ("population", "equal_coverage"):
            fn = apportion.by_population if method == "population" else apportion.equal_coverage
            result = fn(total, pop, **kw)
        elif method == "last_year":
            _need_last_year(part, scheme, method)
            result = apportion.by_last_year(total, last, **kw)
        elif method == "gap_closing":
            _need_last_year(part, scheme, method)
            result = apportion.gap_closing(total, room, last, **kw)
        else:
            raise PlanInfeasible(f"未知的分解方法:{method}。")
    except PlanInfeasible as exc:
        raise PlanInfeasible(f"{SCHEME_LABELS[scheme]}:{exc.message}") from exc
    return {codes[k]: v for k, v in result.items()}


def plan(
    inputs: pd.DataFrame,
    totals: Mapping[str, int],
    method: str,
    *,
    min_growth_pct: float | None = None,
    respect_cap: bool = True,
    locks: Mapping[Key, int] | None = None,
    manual: Mapping[Key, int] | None = None,
) -> dict[Key, int]:
    """Targets keyed by (township code, scheme) for every scheme in ``totals``.

    ``manual`` (method 'manual'): the planner's numbers are taken as they are (missing = 0);
    `manual_gaps` tells how far their sums are from the county totals.
    """
    if method not in METHODS:
        raise PlanInfeasible(f"未知的分解方法:{method}。")
    out: dict[Key, int] = {}
    for scheme, total in totals.items():
        part = inputs[inputs["scheme"] == scheme]
        if method == "manual":
            for t in part["township"]:
                n = (manual or {}).get((t, scheme), 0)
                if n is None or pd.isna(n) or int(n) < 0:
                    raise PlanInfeasible(f"手工填报的任务数不能为空或负数:{t}。")
                out[(t, scheme)] = int(n)
            continue
        scheme_locks = {t: n for (t, s), n in (locks or {}).items() if s == scheme}
        split = plan_scheme(
            part,
            scheme,
            int(total),
            method,
            min_growth_pct=min_growth_pct,
            respect_cap=respect_cap,
            locks=scheme_locks,
        )
        out.update({(t, scheme): n for t, n in split.items()})
    return out


def manual_gaps(targets: Mapping[Key, int], totals: Mapping[str, int]) -> dict[str, int]:
    """Per scheme: sum of the planner's numbers minus the county total (0 = they agree)."""
    return {
        s: sum(n for (_, sc), n in targets.items() if sc == s) - int(total)
        for s, total in totals.items()
    }


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num.astype(float) / den.astype(float).where(den.astype(float) > 0)


def comparison(inputs: pd.DataFrame, targets: Mapping[Key, int]) -> pd.DataFrame:
    """One row per township: the proposal beside last year, coverage, progress, 难以完成.

    Columns: township, township_name, township_order, population, proposed_<scheme>, proposed,
    target_last, target_chg, enrolled_last, enrolled_chg, growth (ratio over last year's
    enrolled), coverage (proposed ÷ population), progress, progress_rate (progress ÷ proposed),
    hard (bool), hard_reason. Sums are over the schemes present in ``targets``.
    """
    frame = inputs.copy()
    frame["proposed"] = [
        targets.get((t, s)) for t, s in zip(frame["township"], frame["scheme"], strict=True)
    ]
    frame = frame[frame["proposed"].notna()]
    keys = ["township", "township_name", "township_order"]
    wide = frame.pivot_table(
        index=keys, columns="scheme", values="proposed", aggfunc="sum"
    ).reset_index()
    wide.columns = [c if c in keys else f"proposed_{c}" for c in wide.columns]
    sums = (
        frame.groupby(keys)
        .agg(
            population=("population", "first"),
            proposed=("proposed", "sum"),
            target_last=("target_last", lambda v: v.sum(min_count=1)),
            enrolled_last=("enrolled_last", lambda v: v.sum(min_count=1)),
            progress=("progress", lambda v: v.sum(min_count=1)),
        )
        .reset_index()
    )
    out = wide.merge(sums, on=keys).sort_values("township_order").reset_index(drop=True)
    out["target_chg"] = out["proposed"] - out["target_last"]
    out["enrolled_chg"] = out["proposed"] - out["enrolled_last"]
    out["growth"] = _ratio(out["enrolled_chg"], out["enrolled_last"])
    out["coverage"] = _ratio(out["proposed"], out["population"])
    out["progress_rate"] = _ratio(out["progress"], out["proposed"])
    reasons = []
    for g, c in zip(out["growth"], out["coverage"], strict=True):
        why = []
        if not pd.isna(g) and g > settings.PLAN_HARD_GROWTH:
            why.append(f"较上年参保增长{g * 100:.1f}%")
        if not pd.isna(c) and c > settings.PLAN_HARD_COVERAGE:
            why.append(f"折算参保率{c * 100:.1f}%")
        reasons.append(";".join(why))
    out["hard_reason"] = reasons
    out["hard"] = out["hard_reason"] != ""
    return out


def county_row(comp: pd.DataFrame) -> dict[str, float]:
    """County totals of a comparison frame (sums, and ratios recomputed from the sums)."""
    s = {c: float(comp[c].sum(min_count=1)) for c in comp.columns if c.startswith("proposed")}
    for c in ("population", "target_last", "enrolled_last", "progress"):
        s[c] = float(comp[c].sum(min_count=1))
    s["target_chg"] = s["proposed"] - s["target_last"]
    s["enrolled_chg"] = s["proposed"] - s["enrolled_last"]
    s["growth"] = s["enrolled_chg"] / s["enrolled_last"] if s["enrolled_last"] else math.nan
    s["coverage"] = s["proposed"] / s["population"] if s["population"] else math.nan
    s["progress_rate"] = s["progress"] / s["proposed"] if s["proposed"] else math.nan
    return s


def compare_scenarios(a: pd.DataFrame, b: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    """Two scenarios' targets (township_code, scheme, target) side by side, per township.

    Columns: township, township_name, township_order, then for each scheme and for the total
    ('total'): a_<x>, b_<x>, diff_<x> (= b − a). Townships missing in one scenario count 0.
    """
    out = towns[["township", "township_name", "township_order"]].copy()
    for tag, frame in (("a", a), ("b", b)):
        wide = frame.pivot_table(
            index="township_code", columns="scheme", values="target", aggfunc="sum"
        )
        for s in SCHEMES:
            col = wide[s] if s in wide.columns else pd.Series(dtype=float)
            out[f"{tag}_{s}"] = out["township"].map(col).fillna(0).astype("int64")
        out[f"{tag}_total"] = sum(out[f"{tag}_{s}"] for s in SCHEMES)
    for x in (*SCHEMES, "total"):
        out[f"diff_{x}"] = out[f"b_{x}"] - out[f"a_{x}"]
    return out.sort_values("township_order").reset_index(drop=True)
