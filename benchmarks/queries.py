"""Each page's queries through the metrics layer vs hand-written SQL for the same numbers.

    python -m benchmarks.queries --scale city [--runs 7] [--url URL]

Builds the demo warehouse of that scale under benchmarks/warehouses/ when missing (DuckDB), then
prints, per page, the median time of its query set through `metrics.execute` (compile, run,
merge, derive) and through hand-written SQL on the same connection, and their ratio.
Goal (issue 3): ratio ≤ 1.3 and every page's queries under 300 ms at city scale.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, text

from data_sources.config import demo_url
from data_sources.demo import build
from data_sources.engine import create_warehouse_engine
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer

HERE = Path(__file__).resolve().parent
P = Period(2023, 10)
VIEWER = Viewer(name="bench", townships=None, can_see_small_cells=True)
PARAMS = {"y": 2023, "m": 10}

# (spec, equivalent hand-written SQL) per page; the SQL is what an analyst would write by hand for
# the same rows the page reads: the same aggregates, with the names and official order of the
# townships where the page lists townships, and the opening balance where it shows a balance.
PAGES: dict[str, list[tuple[QuerySpec, str]]] = {
    "总览": [
        (
            QuerySpec.make(["enrolled", "enroll_target", "enroll_completion"], P),
            "SELECT (SELECT SUM(enrolled) FROM enrollment WHERE year=:y AND month=:m),"
            " (SELECT SUM(target) FROM enrollment_target WHERE year=:y)",
        ),
        (
            QuerySpec.make(["fund_income", "fund_spending", "fund_months_payable"], P, ["scheme"]),
            "SELECT l.scheme, SUM(CASE WHEN flow='income' THEN l.amount END),"
            " SUM(CASE WHEN flow='spending' THEN l.amount END), MAX(o.amount)"
            " FROM fund_ledger l JOIN fund_opening_balance o ON o.scheme=l.scheme AND o.year=l.year"
            " WHERE l.year=:y AND l.month BETWEEN 1 AND :m GROUP BY l.scheme",
        ),
        (
            QuerySpec.make(["assist_amount", "assist_times"], P),
            "SELECT SUM(amount), COUNT(*) FROM assistance WHERE year=:y AND month BETWEEN 1 AND :m",
        ),
        (
            QuerySpec.make(["proc_savings", "proc_progress"], P),
            "SELECT (SELECT SUM(p.volume*(d.price_before-d.price_after)) FROM proc_purchase p"
            " JOIN proc_product d USING (product_code) WHERE p.year=:y AND p.month BETWEEN 1 AND :m),"
            " (SELECT SUM(volume) FROM proc_purchase WHERE year=:y AND month BETWEEN 1 AND :m),"
            " (SELECT SUM(agreed_volume) FROM proc_agreement WHERE year=:y)",
        ),
        (
            QuerySpec.make(["drg_paid", "drg_budget", "drg_execution"], P),
            "SELECT (SELECT SUM(fund_paid) FROM drg_case WHERE year=:y AND month BETWEEN 1 AND :m),"
            " (SELECT SUM(budget) FROM drg_budget WHERE year=:y)",
        ),
        (
            QuerySpec.make(["enroll_completion", "enrolled", "enroll_target"], P, ["township"]),
            "SELECT e.township_code, t.name, t.sort_order, e.n, g.n FROM"
            " (SELECT township_code, SUM(enrolled) n FROM enrollment WHERE year=:y AND month=:m"
            "  GROUP BY township_code) e"
            " JOIN (SELECT township_code, SUM(target) n FROM enrollment_target WHERE year=:y"
            "  GROUP BY township_code) g USING (township_code)"
            " JOIN township t ON t.code=e.township_code ORDER BY t.sort_order",
        ),
    ],
    "参保扩面": [
        (
            QuerySpec.make(
                ["enrolled", "enroll_target", "enroll_completion", "enroll_gap"], P, ["scheme"]
            ),
            "SELECT e.scheme, e.n, g.n FROM (SELECT scheme, SUM(enrolled) n FROM enrollment"
            " WHERE year=:y AND month=:m GROUP BY scheme) e JOIN (SELECT scheme, SUM(target) n"
            " FROM enrollment_target WHERE year=:y GROUP BY scheme) g USING (scheme)",
        ),
        (
            QuerySpec.make(["enrolled"], P, ["month"]),
            "SELECT month, SUM(enrolled) FROM enrollment WHERE year=:y AND month<=:m GROUP BY month",
        ),
        (
            QuerySpec.make(["registered_pop", "coverage_rate"], P, ["township"]),
            "SELECT p.township_code, t.name, t.sort_order, p.n, e.n FROM (SELECT township_code,"
            " SUM(registered) n FROM township_population WHERE year=:y GROUP BY township_code) p"
            " JOIN (SELECT township_code, SUM(enrolled) n FROM enrollment WHERE year=:y AND month=:m"
            " GROUP BY township_code) e USING (township_code)"
            " JOIN township t ON t.code=p.township_code ORDER BY t.sort_order",
        ),
    ],
    "基金收支": [
        (
            QuerySpec.make(
                ["fund_income", "fund_spending", "fund_cumulative_balance"], P, ["month"]
            ),
            # The running balance needs the year's opening balance too.
            "SELECT month, SUM(CASE WHEN flow='income' THEN amount END),"
            " SUM(CASE WHEN flow='spending' THEN amount END),"
            " (SELECT SUM(amount) FROM fund_opening_balance WHERE year=:y) FROM fund_ledger"
            " WHERE year=:y AND month BETWEEN 1 AND :m GROUP BY month ORDER BY month",
        ),
        (
            QuerySpec.make(["fund_spending"], P, ["scheme", "item"]),
            "SELECT scheme, item, SUM(amount) FROM fund_ledger WHERE year=:y AND month BETWEEN 1 AND :m"
            " AND flow='spending' GROUP BY scheme, item",
        ),
    ],
    "医疗救助": [
        (
            QuerySpec.make(["assist_amount", "assist_times"], P, ["township", "category"]),
            "SELECT a.township_code, t.name, t.sort_order, a.category, a.s, a.n FROM"
            " (SELECT township_code, category, SUM(amount) s, COUNT(*) n FROM assistance"
            " WHERE year=:y AND month BETWEEN 1 AND :m GROUP BY township_code, category) a"
            " JOIN township t ON t.code=a.township_code ORDER BY t.sort_order, a.category",
        ),
        (
            QuerySpec.make(["assist_amount"], P, ["month", "kind"]),
            "SELECT month, kind, SUM(amount), COUNT(*) FROM assistance WHERE year=:y"
            " AND month BETWEEN 1 AND :m GROUP BY month, kind",
        ),
        (
            QuerySpec.make(["alert_persons"], P, ["township"]),
            "SELECT a.township_code, t.name, t.sort_order, a.n FROM (SELECT township_code,"
            " COUNT(DISTINCT person_key) n FROM poverty_alert WHERE year=:y"
            " AND month BETWEEN 1 AND :m GROUP BY township_code) a"
            " JOIN township t ON t.code=a.township_code ORDER BY t.sort_order",
        ),
    ],
    "集中带量采购": [
        (
            QuerySpec.make(["proc_progress", "proc_savings"], P, ["institution"]),
            "SELECT i.code, i.name, p.v, p.s, a.v FROM (SELECT institution_code c, SUM(volume) v,"
            " SUM(volume*(d.price_before-d.price_after)) s FROM proc_purchase JOIN proc_product d"
            " USING (product_code) WHERE year=:y AND month BETWEEN 1 AND :m GROUP BY institution_code) p"
            " JOIN (SELECT institution_code c, SUM(agreed_volume) v FROM proc_agreement WHERE year=:y"
            " GROUP BY institution_code) a USING (c) JOIN institution i ON i.code=p.c",
        ),
        (
            QuerySpec.make(["proc_savings", "proc_weighted_drop"], P, ["batch"]),
            "SELECT x.batch_code, b.name, x.s, x.a, x.f FROM (SELECT d.batch_code,"
            " SUM(p.volume*(d.price_before-d.price_after)) s, SUM(p.volume*d.price_after) a,"
            " SUM(p.volume*d.price_before) f FROM proc_purchase p JOIN proc_product d"
            " USING (product_code) WHERE p.year=:y AND p.month BETWEEN 1 AND :m GROUP BY d.batch_code) x"
            " JOIN proc_batch b ON b.batch_code=x.batch_code",
        ),
    ],
    "DRG预算执行": [
        (
            QuerySpec.make(
                ["drg_budget", "drg_paid", "drg_execution", "drg_cmi"], P, ["institution"]
            ),
            "SELECT c.hospital_code, i.name, c.p, c.n, c.w, b.budget FROM (SELECT hospital_code,"
            " SUM(fund_paid) p, COUNT(*) n, SUM(weight) w FROM drg_case WHERE year=:y"
            " AND month BETWEEN 1 AND :m GROUP BY hospital_code) c JOIN drg_budget b"
            " ON b.hospital_code=c.hospital_code AND b.year=:y"
            " JOIN institution i ON i.code=c.hospital_code",
        ),
        (
            QuerySpec.make(["drg_paid"], P, ["month"]),
            "SELECT month, SUM(fund_paid) FROM drg_case WHERE year=:y AND month BETWEEN 1 AND :m"
            " GROUP BY month",
        ),
        (
            QuerySpec.make(["drg_paid", "drg_cases"], P, ["drg"]),
            "SELECT c.drg_code, g.name, c.p, c.n FROM (SELECT drg_code, SUM(fund_paid) p,"
            " COUNT(*) n FROM drg_case WHERE year=:y AND month BETWEEN 1 AND :m GROUP BY drg_code) c"
            " JOIN drg_group g USING (drg_code)",
        ),
    ],
}


def _paired_medians(
    a: Callable[[], object], b: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Median ms of `a` and of `b`, run alternately (a, b, a, b, …) so that both see the same
    machine: the warehouse's timings drift by tens of percent between consecutive batches."""
    a(), b()  # warm the warehouse's own caches; both paths get the same treatment
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((a, times[0]), (b, times[1])):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def _raw(conn: Connection, sql: str) -> Callable[[], object]:
    """The hand-written statement straight on the driver: no SQLAlchemy, and for DuckDB the
    cheapest way to take a result (columnar, as the metrics layer does), so the floor stays a
    floor."""
    compiled = text(sql).compile(dialect=conn.dialect)
    params = (
        [PARAMS[name] for name in compiled.positiontup or ()]
        if compiled.positional
        else {name: PARAMS[name] for name in compiled.params}
    )
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if conn.dialect.name == "duckdb":
        return lambda: dbapi.execute(str(compiled), params).fetchnumpy()

    def run() -> object:
        cursor = dbapi.cursor()
        cursor.execute(str(compiled), params)
        return cursor.fetchall()

    return run


def measure(conn: Connection, runs: int) -> list[tuple[str, float, float]]:
    rows = []
    for page, queries in PAGES.items():
        raw = [_raw(conn, sql) for _, sql in queries]

        def layer(qs=queries) -> None:
            for spec, _ in qs:
                execute(conn, spec, VIEWER)

        def hand(fns=raw) -> None:
            for fn in fns:
                fn()

        rows.append((page, *_paired_medians(layer, hand, runs)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["county", "city", "province"], default="city")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--url", help="已有数据仓库的地址(默认在 benchmarks/warehouses/ 下生成 DuckDB)"
    )
    args = parser.parse_args(argv)
    url = args.url
    if not url:
        path = HERE / "warehouses" / f"{args.scale}.duckdb"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            print(f"生成 {args.scale} 规模演示库:{path}", flush=True)
            build(demo_url(path), args.scale)
        url = demo_url(path)
    engine = create_warehouse_engine(url, read_only=url.startswith("duckdb"))
    with engine.connect() as conn:
        rows = measure(conn, args.runs)
    print(
        f"\n{'页面':<12}{'指标层(ms)':>12}{'手写SQL(ms)':>14}{'比值':>8}  目标: 比值≤1.3, 指标层<300ms"
    )
    for page, layer_ms, hand_ms in rows:
        ok = "✓" if layer_ms / hand_ms <= 1.3 and layer_ms < 300 else "✗"
        print(f"{page:<12}{layer_ms:>12.1f}{hand_ms:>14.1f}{layer_ms / hand_ms:>8.2f}  {ok}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
