"""Shared by the benchmarks: warehouses of each scale, private copies, a server on 127.0.0.1, RSS.

Nothing here is part of the app; the benchmarks are run by hand (not in the test pass).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from data_sources.config import demo_url
from ui.launch import running_server

HERE = Path(__file__).resolve().parent
WAREHOUSES = HERE / "warehouses"
SCALES = ("county", "city", "province")
# The pages that show data (ui.nav.PAGES minus planning, briefing and import).
DATA_PAGES = ("overview", "enrollment", "fund", "assistance", "procurement", "drg", "township")
YEAR, MONTH, TOWN = 2023, 10, "360121101"


def warehouse(scale: str) -> Path:
    """The demo warehouse of that scale under benchmarks/warehouses/, built when missing."""
    path = WAREHOUSES / f"{scale}.duckdb"
    if not path.exists():
        from data_sources.demo import build

        WAREHOUSES.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        print(f"生成 {scale} 规模演示库:{path}(省级约需数分钟、数 GB 内存)", flush=True)
        start = time.perf_counter()
        build(demo_url(tmp), scale)
        tmp.rename(path)
        print(f"已生成,用时 {time.perf_counter() - start:.0f} 秒", flush=True)
    return path


@contextmanager
def private_copy(scale: str) -> Iterator[Path]:
    """A copy of the warehouse the app may open for writing (one writing process per file)."""
    source = warehouse(scale)
    with tempfile.TemporaryDirectory(prefix=f"bench-{scale}-") as folder:
        own = Path(folder) / "warehouse.duckdb"
        shutil.copy(source, own)
        yield own


@contextmanager
def server(
    db: Path, log: Path, port: int | None = None, read_only: bool = False
) -> Iterator[tuple[str, int]]:
    """`python -m ui.launch` on 127.0.0.1 with WAREHOUSE_URL to `db`; yields (base url, pid).

    `read_only`: several servers share the file (one DuckDB writer per file, any readers).
    """
    env = {"YIBAO_LOGIN": "0"}  # demo warehouse: no login
    if read_only:
        env["WAREHOUSE_READ_ONLY"] = "1"
    with running_server(demo_url(db), log, port, env=env) as running:
        yield running


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process in MB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("找不到 Chromium(可用环境变量 CHROMIUM 指定)")
    return found


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def machine_note() -> str:
    """Cores, memory and load average at the time of the run (other work on the machine skews)."""
    load = os.getloadavg()
    mem = {
        line.split(":")[0]: int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith(("MemTotal", "MemAvailable"))
    }
    return (
        f"机器:{os.cpu_count()} 核,内存 {mem.get('MemTotal', 0) / 1024:.0f} GB"
        f"(可用 {mem.get('MemAvailable', 0) / 1024:.1f} GB),"
        f"负载 {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}"
    )
