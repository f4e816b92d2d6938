"""The usual Streamlit approach, for comparison: load the fact tables into pandas, filter there.

    python -m benchmarks.pandas_way --db benchmarks/warehouses/city.duckdb [--runs 5]

Runs in its own process (benchmarks.pages starts it) so that its peak memory is its own: prints
one JSON line with the load time, the bytes of the loaded frames, the cost of one st.cache_data
hit (st.cache_data hands every caller a fresh unpickled copy), each page's filter/group time for
the same numbers as benchmarks.queries.PAGES, and the peak RSS (getrusage ru_maxrss).

The load uses DuckDB's own DataFrame export (`.df()`), the fastest way to get the tables into
pandas; dashboards that use `pd.read_sql` through SQLAlchemy load several times slower. The
comparison therefore favours pandas.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import statistics
import time
from collections.abc import Callable

import duckdb
import pandas as pd

TABLES = (
    "enrollment",
    "enrollment_target",
    "township_population",
    "fund_ledger",
    "fund_opening_balance",
    "assistance",
    "poverty_alert",
    "proc_purchase",
    "proc_product",
    "proc_agreement",
    "proc_batch",
    "drg_case",
    "drg_budget",
    "drg_group",
    "township",
    "institution",
)

Frames = dict[str, pd.DataFrame]


def load(db: str) -> Frames:
    con = duckdb.connect(db, read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t}").df() for t in TABLES}
    finally:
        con.close()


def _ytd(df: pd.DataFrame, y: int, m: int) -> pd.DataFrame:
    return df[(df.year == y) & (df.month >= 1) & (df.month <= m)]


def overview(f: Frames, y: int, m: int) -> list[object]:
    enr = f["enrollment"]
    tgt = f["enrollment_target"]
    cur = enr[(enr.year == y) & (enr.month == m)]
    t_y = tgt[tgt.year == y]
    out: list[object] = [cur.enrolled.sum(), t_y.target.sum()]
    led = _ytd(f["fund_ledger"], y, m)
    flows = led.pivot_table(index="scheme", columns="flow", values="amount", aggfunc="sum")
    ob = f["fund_opening_balance"]
    out.append(flows.join(ob[ob.year == y].set_index("scheme").amount))
    a = _ytd(f["assistance"], y, m)
    out += [a.amount.sum(), len(a)]
    p = _ytd(f["proc_purchase"], y, m).merge(f["proc_product"], on="product_code")
    out += [
        (p.volume * (p.price_before - p.price_after)).sum(),
        p.volume.sum(),
        f["proc_agreement"].loc[f["proc_agreement"].year == y, "agreed_volume"].sum(),
    ]
    d = _ytd(f["drg_case"], y, m)
    out += [d.fund_paid.sum(), f["drg_budget"].loc[f["drg_budget"].year == y, "budget"].sum()]
    by_t = (
        cur.groupby("township_code")
        .enrolled.sum()
        .to_frame()
        .join(t_y.groupby("township_code").target.sum())
        .join(f["township"].set_index("code").name)
    )
    out.append(by_t)
    return out


def enrollment(f: Frames, y: int, m: int) -> list[object]:
    enr = f["enrollment"]
    tgt = f["enrollment_target"]
    cur = enr[(enr.year == y) & (enr.month == m)]
    by_s = cur.groupby("scheme").enrolled.sum().to_frame()
    by_s = by_s.join(tgt[tgt.year == y].groupby("scheme").target.sum())
    by_m = enr[(enr.year == y) & (enr.month <= m)].groupby("month").enrolled.sum()
    pop = f["township_population"]
    by_t = (
        pop[pop.year == y]
        .groupby("township_code")
        .registered.sum()
        .to_frame()
        .join(cur.groupby("township_code").enrolled.sum())
    )
    return [by_s, by_m, by_t]


def fund(f: Frames, y: int, m: int) -> list[object]:
    led = _ytd(f["fund_ledger"], y, m)
    by_m = led.pivot_table(index="month", columns="flow", values="amount", aggfunc="sum")
    spend = led[led.flow == "spending"].groupby(["scheme", "item"]).amount.sum()
    return [by_m, spend]


def assistance(f: Frames, y: int, m: int) -> list[object]:
    a = _ytd(f["assistance"], y, m)
    by_tc = (
        a.groupby(["township_code", "category"])
        .amount.agg(["sum", "count"])
        .reset_index()
        .merge(f["township"], left_on="township_code", right_on="code")
    )
    by_mk = a.groupby(["month", "kind"]).amount.agg(["sum", "count"])
    alert = _ytd(f["poverty_alert"], y, m).groupby("township_code").person_key.nunique()
    return [by_tc, by_mk, alert]


def procurement(f: Frames, y: int, m: int) -> list[object]:
    p = _ytd(f["proc_purchase"], y, m).merge(f["proc_product"], on="product_code")
    p = p.assign(
        saving=p.volume * (p.price_before - p.price_after),
        after=p.volume * p.price_after,
        before=p.volume * p.price_before,
    )
    by_i = p.groupby("institution_code")[["volume", "saving"]].sum()
    ag = f["proc_agreement"]
    by_i = by_i.join(ag[ag.year == y].groupby("institution_code").agreed_volume.sum()).join(
        f["institution"].set_index("code").name
    )
    by_b = (
        p.groupby("batch_code")[["saving", "after", "before"]]
        .sum()
        .join(f["proc_batch"].set_index("batch_code").name)
    )
    return [by_i, by_b]


def drg(f: Frames, y: int, m: int) -> list[object]:
    d = _ytd(f["drg_case"], y, m)
    b = f["drg_budget"]
    by_h = (
        d.groupby("hospital_code")
        .agg(paid=("fund_paid", "sum"), cases=("case_id", "count"), weight=("weight", "sum"))
        .join(b[b.year == y].set_index("hospital_code").budget)
        .join(f["institution"].set_index("code").name)
    )
    by_m = d.groupby("month").fund_paid.sum()
    by_g = (
        d.groupby("drg_code")
        .fund_paid.agg(["sum", "count"])
        .join(f["drg_group"].set_index("drg_code").name)
    )
    return [by_h, by_m, by_g]


# Same keys as benchmarks.queries.PAGES (the page titles).
PAGES: dict[str, Callable[[Frames, int, int], list[object]]] = {
    "总览": overview,
    "参保扩面": enrollment,
    "基金收支": fund,
    "医疗救助": assistance,
    "集中带量采购": procurement,
    "DRG预算执行": drg,
}


def measure(db: str, runs: int, year: int, month: int, cache_copy: bool) -> dict:
    start = time.perf_counter()
    frames = load(db)
    load_s = time.perf_counter() - start
    nbytes = sum(int(df.memory_usage(deep=True).sum()) for df in frames.values())
    rows = sum(len(df) for df in frames.values())
    result: dict = {"load_s": load_s, "frame_mb": nbytes / 2**20, "rows": rows, "pages": {}}
    for page, fn in PAGES.items():
        times = []
        fn(frames, year, month)
        for _ in range(runs):
            t = time.perf_counter()
            fn(frames, year, month)
            times.append((time.perf_counter() - t) * 1000)
        result["pages"][page] = statistics.median(times)
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if cache_copy:
        # What st.cache_data does on every hit: unpickle a fresh copy of the cached value.
        # Median of 3: one unpickling of gigabytes swings with the allocator's state.
        blob = pickle.dumps(frames, protocol=pickle.HIGHEST_PROTOCOL)
        hits = []
        for _ in range(3):
            t = time.perf_counter()
            copy = pickle.loads(blob)
            hits.append(time.perf_counter() - t)
            del copy
        result["cache_hit_s"] = statistics.median(hits)
        result["cache_hit_all_s"] = hits
        del blob
        result["maxrss_cache_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--month", type=int, default=10)
    parser.add_argument("--no-cache-copy", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.db, args.runs, args.year, args.month, not args.no_cache_copy)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
