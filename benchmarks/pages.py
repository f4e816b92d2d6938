"""Each data page's server-side time (cold and warm cache), against pandas and against the floor.

    python -m benchmarks.pages --scale county|city|province [--runs 5] [--json out.json]

1. Page time: the page run through streamlit.testing.v1.AppTest (app.py's router, all queries,
   charts and tables, no browser) on a private copy of the warehouse, for a cold cache
   (Streamlit's result cache, compiled statements and built charts all cleared first) and a warm
   one (the same run again); median of --runs.
2. The usual approach: benchmarks.pandas_way in its own process (load the fact tables into
   pandas once, filter and group there); its load time, peak memory and per-page time.
3. The floor: benchmarks.queries' hand-written SQL for the same numbers, against the page's
   queries through metrics.execute (no Streamlit cache) on the same connection.

Goals (issue 8, province scale, 2 cores): warm < 1 s, cold < 3 s per page; ≥ 10× faster than
pandas; ≤ 1.3× the floor. The warehouse's own caches (DuckDB buffers, OS page cache) stay warm in
every case: "cold" means the app's own caches only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    DATA_PAGES,
    MONTH,
    SCALES,
    TOWN,
    YEAR,
    machine_note,
    private_copy,
    warehouse,
)
from data_sources.config import PROJECT_ROOT, demo_url

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
# benchmarks.queries.PAGES / pandas_way.PAGES are keyed by the page title.
TITLES = {
    "overview": "总览",
    "enrollment": "参保扩面",
    "fund": "基金收支",
    "assistance": "医疗救助",
    "procurement": "集中带量采购",
    "drg": "DRG预算执行",
    "township": "乡镇详情",
}


def clear_app_caches() -> None:
    """Cold: no cached results, compiled statements or built charts (the warehouse stays warm)."""
    import streamlit as st

    from metrics.execute import plan
    from ui import memo

    st.cache_data.clear()
    plan.cache_clear()
    memo.clear()


def open_page(url_path: str, timeout: float = 300):
    """An AppTest of the app showing that page for the benchmark period, run once."""
    from streamlit.testing.v1 import AppTest

    from ui.nav import PAGES

    page = next(p for p in PAGES if p.url_path == url_path)
    at = AppTest.from_file(str(ENTRY), default_timeout=timeout)
    at.query_params["year"] = str(YEAR)
    at.query_params["month"] = str(MONTH)
    if url_path == "township":
        at.query_params["town"] = TOWN
    at.run()
    if page is not PAGES[0]:
        at.switch_page(str(page.file))
        at.run()
    return at


def page_times(url_path: str, runs: int) -> dict:
    """Cold and warm AppTest run times (ms) of one page, plus errors seen on the page."""
    at = open_page(url_path)
    cold, warm, errors = [], [], []
    for _ in range(runs):
        clear_app_caches()
        start = time.perf_counter()
        at.run()
        cold.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        at.run()
        warm.append((time.perf_counter() - start) * 1000)
        errors += [e.value for e in at.exception] + [e.value for e in at.error]
    return {
        "cold_ms": statistics.median(cold),
        "warm_ms": statistics.median(warm),
        "cold_all": cold,
        "warm_all": warm,
        "errors": sorted(set(map(str, errors))),
    }


def pandas_run(db: Path, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.pandas_way", "--db", str(db), "--runs", str(runs)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def floor_run(url: str, runs: int) -> dict[str, tuple[float, float]]:
    from benchmarks.queries import measure
    from metrics import service

    with service.get_engine(url).connect() as conn:
        return {page: (layer, hand) for page, layer, hand in measure(conn, runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="county")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", nargs="*", default=list(DATA_PAGES), choices=DATA_PAGES)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--json", help="结果另存为 JSON")
    args = parser.parse_args(argv)

    source = warehouse(args.scale)
    print(machine_note(), flush=True)
    report: dict = {"scale": args.scale, "runs": args.runs, "machine_before": machine_note()}
    if not args.skip_pandas:
        print("pandas 方式(独立进程)…", flush=True)
        report["pandas"] = pandas_run(source, args.runs)
    with private_copy(args.scale) as db:
        url = demo_url(db)
        os.environ["WAREHOUSE_URL"] = url
        os.environ.setdefault("YIBAO_LOGIN", "0")  # demo warehouse: no login
        report["pages"] = {}
        for p in args.pages:
            print(f"页面 {p}…", flush=True)
            report["pages"][p] = page_times(p, args.runs)
        print("底线(手写SQL)…", flush=True)
        report["floor"] = floor_run(url, max(args.runs, 5))
    report["machine_after"] = machine_note()
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


def print_report(r: dict) -> None:
    pandas = r.get("pandas")
    floor = r["floor"]
    print(f"\n规模 {r['scale']},每项取 {r['runs']} 次中位数。{r['machine_after']}")
    if pandas:
        print(
            f"pandas 方式:读入 {pandas['rows']:,} 行事实与维表 {pandas['load_s']:.1f} 秒,"
            f"DataFrame {pandas['frame_mb']:.0f} MB,进程峰值 RSS {pandas['maxrss_mb']:.0f} MB;"
            f"st.cache_data 每次命中复制一份需 {pandas.get('cache_hit_s', float('nan')):.2f} 秒"
            f"(峰值 {pandas.get('maxrss_cache_mb', float('nan')):.0f} MB)"
        )
    print(
        "pandas重跑 = st.cache_data 命中复制 + 筛选汇总(常见写法每次重跑都要付出);"
        "查询·指标层 = 本页查询经 metrics.execute,不经 Streamlit 缓存"
    )
    head = (
        f"{'页面':<10}{'冷(ms)':>9}{'热(ms)':>9}{'查询·指标层':>12}{'手写SQL':>9}{'层/底':>7}"
        f"{'pandas筛选':>11}{'pandas重跑':>11}{'重跑/层':>8}{'pandas冷/页冷':>13}  目标"
    )
    print(head)
    hit_ms = pandas.get("cache_hit_s", 0) * 1000 if pandas else float("nan")
    for p, t in r["pages"].items():
        title = TITLES[p]
        layer, hand = floor.get(title, (float("nan"), float("nan")))
        pd_ms = pandas["pages"].get(title, float("nan")) if pandas else float("nan")
        pd_cold = pandas["load_s"] * 1000 + pd_ms if pandas else float("nan")
        goals = [
            "热<1s" + ("✓" if t["warm_ms"] < 1000 else "✗"),
            "冷<3s" + ("✓" if t["cold_ms"] < 3000 else "✗"),
        ]
        if title in floor:
            goals.append("≤1.3×底" + ("✓" if layer / hand <= 1.3 else "✗"))
        if pandas and title in pandas["pages"]:
            goals.append("≥10×pandas" + ("✓" if (hit_ms + pd_ms) / layer >= 10 else "✗"))
        err = f"  错误:{t['errors']}" if t["errors"] else ""
        print(
            f"{title:<10}{t['cold_ms']:>9.0f}{t['warm_ms']:>9.0f}{layer:>12.1f}{hand:>9.1f}"
            f"{layer / hand:>7.2f}{pd_ms:>11.1f}{hit_ms + pd_ms:>11.0f}"
            f"{(hit_ms + pd_ms) / layer:>8.1f}{pd_cold / t['cold_ms']:>13.1f}"
            f"  {' '.join(goals)}{err}"
        )


def reprint(path: str) -> None:
    print_report(json.loads(Path(path).read_text()))


if __name__ == "__main__":
    raise SystemExit(main())
