"""Where a page's server time goes: one page run under pyinstrument, cold or warm.

    python -m benchmarks.profile drg [--scale province] [--cold] [--html out.html]

Runs the page through streamlit.testing.v1.AppTest (as benchmarks.pages does) on a private copy
of the warehouse, twice to warm up, then once more under the profiler. The script runs in
Streamlit's own thread, so the profiler is started inside it. `--cold` clears the app's caches
(results, compiled statements, charts) before the profiled run.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks.common import DATA_PAGES, SCALES, private_copy
from benchmarks.pages import clear_app_caches, open_page
from data_sources.config import demo_url


def profile_page(url_path: str, cold: bool):
    """The page's profiled run (a pyinstrument Profiler) and its wall time in ms."""
    from pyinstrument import Profiler
    from streamlit.runtime.scriptrunner import script_runner

    at = open_page(url_path, timeout=600)
    at.run()  # warm
    if cold:
        clear_app_caches()
    profiler = Profiler(interval=0.001)
    original = script_runner.ScriptRunner._run_script

    def profiled(self, *args, **kwargs):
        profiler.start()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.stop()

    script_runner.ScriptRunner._run_script = profiled
    try:
        start = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - start) * 1000
    finally:
        script_runner.ScriptRunner._run_script = original
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise SystemExit(f"页面出错:{problems}")
    return profiler, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", choices=DATA_PAGES)
    parser.add_argument("--scale", choices=SCALES, default="county")
    parser.add_argument("--cold", action="store_true", help="先清空应用缓存")
    parser.add_argument("--html", help="另存为 HTML 火焰图")
    args = parser.parse_args(argv)
    with private_copy(args.scale) as db:
        os.environ["WAREHOUSE_URL"] = demo_url(db)
        os.environ.setdefault("YIBAO_LOGIN", "0")
        profiler, elapsed = profile_page(args.page, args.cold)
    print(f"{args.page}({args.scale},{'冷' if args.cold else '热'}):{elapsed:.0f} ms")
    print(profiler.output_text(unicode=True, color=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
