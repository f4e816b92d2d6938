"""Starts the dashboard server: `python -m ui.launch [streamlit options]`.

Streamlit treats a folder named pages/ beside the main script as its legacy multipage layout
until some session has called st.navigation; until then a first visitor arriving by a deep link
(…/enrollment?town=…) would run that page without the router (no filters, no scope). Declaring
the st.navigation layout before the first session removes that window. `manage.py run` and the
browser tests start the server this way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parent.parent / "app.py"


# Setting. Generation-0 threshold of the garbage collector in the server (CPython's default: 700).
# A rerun allocates hundreds of thousands of short-lived objects (pandas, Altair, protobuf), and
# with the default every few hundred of them triggered a collection; measured with 20 sessions
# clicking every 3 s (benchmarks.load), 25–30 % more reruns per second with this and freeze().
GC_THRESHOLD = (50_000, 20, 20)


def tune_gc() -> None:
    """Freezes what the imports created (modules, schema, metric catalog: never garbage) so full
    collections stop rescanning it, and collects less often."""
    import gc

    import altair  # noqa: F401  (imported for their long-lived objects)
    import pandas  # noqa: F401

    import metrics.catalog  # noqa: F401
    import ui.charts  # noqa: F401

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


# Setting. Seconds between sweeps of the server's generated download files. Streamlit 1.67 serves
# a download at /media/<sha224>.<ext> to anyone holding the address (no session check) and drops
# a generated export only after two later script runs of any session: on a quiet server, never.
# Each sweep marks unreferenced downloads and deletes those marked by the previous sweep, so an
# export's address works for one to two intervals after it was made (README, 部署与安全).
# Environment variable YIBAO_EXPORT_SWEEP_SECONDS overrides it (tests use a few seconds).
EXPORT_SWEEP_SECONDS: float = 15.0


def sweep_exports(every: float) -> threading.Thread:
    """A daemon thread that expires downloads no session shows any more (see the setting)."""
    from streamlit.runtime.runtime import Runtime

    def loop() -> None:
        while True:
            time.sleep(every)
            if Runtime.exists():
                Runtime.instance().media_file_mgr.remove_orphaned_files()

    thread = threading.Thread(target=loop, name="export-sweeper", daemon=True)
    thread.start()
    return thread


def main(argv: list[str]) -> int:
    PagesManager.uses_pages_directory = False
    tune_gc()
    sweep_exports(float(os.environ.get("YIBAO_EXPORT_SWEEP_SECONDS") or EXPORT_SWEEP_SECONDS))
    sys.argv = ["streamlit", "run", str(APP), *argv]
    return cli.main()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(
    warehouse_url: str,
    log: Path,
    port: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 90,
    address: str | None = "127.0.0.1",
) -> Iterator[tuple[str, int]]:
    """A dashboard server on 127.0.0.1 for browser tests and benchmarks; yields (base url, pid).

    The server does not watch its files (someone editing them must not reload it mid-run) and
    is stopped when the block ends. `address=None` leaves the interface to the configuration
    (.streamlit/config.toml, STREAMLIT_SERVER_ADDRESS), as `manage.py run` does.
    """
    port = port or free_port()
    environment = {**os.environ, **(env or {}), "WAREHOUSE_URL": warehouse_url}
    args = [
        "--server.port",
        str(port),
        *(["--server.address", address] if address else []),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.launch", *args],
            cwd=APP.parent,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Streamlit 服务未能启动:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
