"""What each data page's queries cost on Spark (HiveServer2), cold and warm.

    python -m benchmarks.spark_pages --url spark://127.0.0.1:10100/demo [--runs 3]

The page specs are recorded from the pages themselves on the county demo in DuckDB
(tests.spark.pagespecs); the Spark database must hold the same demo
(`python -m data_sources.demo --url spark://…`). Cold: no cached result and no compiled
statement (the page's specs run one after another, as a page run does); warm: the same specs
answered from the app's result cache (`metrics.service`, st.cache_data), as a rerun or a
second viewer with the same scope gets them. Median of --runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Spark 上各页面查询的冷、热用时")
    parser.add_argument("--url", required=True, help="spark://主机:端口/库(已灌入县级演示数据)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from benchmarks.common import warehouse
    from data_sources.engine import create_warehouse_engine
    from metrics import service
    from metrics.execute import execute, plan
    from tests.spark.pagespecs import record

    with tempfile.TemporaryDirectory() as tmp:
        pages = record(Path(warehouse("county")), Path(tmp))
    engine = create_warehouse_engine(args.url)
    statements = [0]
    event.listen(
        engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1)
    )
    print(f"{'页面':<10}{'规格':>6}{'语句':>6}{'冷 s':>8}{'热 ms':>8}")
    for page, specs in pages.items():
        cold, warm = [], []
        for _ in range(args.runs):
            plan.cache_clear()
            statements[0] = 0
            started = time.perf_counter()
            for spec, viewer in specs:
                execute(engine, spec, viewer)
            cold.append(time.perf_counter() - started)
            count = statements[0]
            service.clear_caches()
            for spec, viewer in specs:  # fills the result cache
                service._cached_execute(args.url, spec, viewer, 0)
            started = time.perf_counter()
            for spec, viewer in specs:
                service._cached_execute(args.url, spec, viewer, 0)
            warm.append(time.perf_counter() - started)
        print(
            f"{page:<12}{len(specs):>6}{count:>6}{statistics.median(cold):>8.1f}"
            f"{statistics.median(warm) * 1000:>8.1f}"
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
