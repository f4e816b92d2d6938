"""Load test and server memory: N real websocket sessions change filters against 127.0.0.1.

    python -m benchmarks.load --scale county [--sessions 20] [--seconds 60] [--think 3.0]
                              [--client protocol|browser]

Starts `python -m ui.launch` on 127.0.0.1 (no file watcher) with WAREHOUSE_URL to a private copy
of the demo warehouse, then opens N sessions, spread over the data pages:

- `--client protocol` (default): each session is a websocket client that speaks Streamlit's
  protocol (BackMsg rerun_script with the sidebar widgets' values, as the browser sends it;
  ForwardMsg read and checked), so nothing is rendered and the server gets the machine's CPU;
- `--processes N` (protocol only): N servers sharing the warehouse file read-only, sessions
  dealt out in turn and kept on their server, as a load balancer with sticky sessions does;
- `--client browser`: one headless Chromium (the system /usr/bin/chromium through Playwright),
  one tab per session; the filters are changed in the sidebar. On 2 cores the 20 tabs' chart
  rendering takes most of the CPU, so this measures the machine more than the server.

1. memory: the server's resident memory (VmRSS) before any session, with 1 open session and
   with all N open (every page finished);
2. load: every session, for --seconds, picks another year, month or township, waits for the
   rerun to finish, pauses about --think seconds and repeats. The latency of one change is the
   time from the rerun request (BackMsg rerun_script) to the server's script_finished message
   (after which the browser hides the status widget). Errors: reruns not finished within 60 s,
   reruns that did not finish successfully, exception or st.error elements, closed websockets,
   crashed tabs. The server's CPU use during the load is reported too.

Loopback only; the count of sessions (≤ 50) and the time (≤ 600 s) are bounded; the server and
the clients stop when the test ends. Goals (issue 8): p95 < 2 s at county scale, zero errors;
RSS < 1.5 GB with 20 sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from benchmarks.common import (
    CHROMIUM_ARGS,
    DATA_PAGES,
    MONTH,
    SCALES,
    TOWN,
    YEAR,
    chromium_path,
    cpu_seconds,
    machine_note,
    private_copy,
    rss_mb,
    server,
)

ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
EXTRA_ARGS = [
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]
MAX_SESSIONS = 50
MAX_SECONDS = 600
RERUN_TIMEOUT = 60.0


@dataclass
class Session:
    index: int
    url_path: str
    sent: list[float] = field(default_factory=list)  # rerun_script BackMsgs
    finished: list[tuple[float, int]] = field(default_factory=list)  # (time, status)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    misses: int = 0  # the driver's change did not lead to a rerun (not the app's fault)
    closed: bool = False


def _watch(page, s: Session) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    loop = asyncio.get_running_loop()

    def on_ws(ws) -> None:
        def sent(payload) -> None:
            if isinstance(payload, bytes | bytearray) and len(payload) < 20_000:
                try:
                    msg = BackMsg.FromString(bytes(payload))
                except Exception:
                    return
                if msg.WhichOneof("type") == "rerun_script":
                    s.sent.append(loop.time())

        def received(payload) -> None:
            # script_finished is a tiny message; parsing only small frames keeps the driver light.
            if isinstance(payload, bytes | bytearray) and len(payload) < 300:
                try:
                    msg = ForwardMsg.FromString(bytes(payload))
                except Exception:
                    return
                if msg.WhichOneof("type") == "script_finished":
                    s.finished.append((loop.time(), msg.script_finished))

        def close(_ws) -> None:
            s.closed = True

        ws.on("framesent", sent)
        ws.on("framereceived", received)
        ws.on("close", close)

    page.on("websocket", on_ws)
    page.on("crash", lambda _p: s.errors.append("页面崩溃"))


async def _settled(page, s: Session, since: float, timeout: float = RERUN_TIMEOUT) -> float | None:
    """Time of the first successful script_finished after `since` (None on timeout)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for t, status in s.finished:
            if t > since and status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                if status not in (ForwardMsg.FINISHED_SUCCESSFULLY,):
                    s.errors.append(f"脚本结束状态 {status}")
                return t
        await asyncio.sleep(0.01)
    return None


async def open_session(browser, base: str, s: Session):
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    _watch(page, s)
    loop = asyncio.get_running_loop()
    start = loop.time()
    path = "" if s.url_path == DATA_PAGES[0] else s.url_path
    town = f"&town={TOWN}" if s.url_path == "township" else ""
    await page.goto(f"{base}/{path}?year={YEAR}&month={MONTH}{town}", timeout=120_000)
    await page.wait_for_selector('[data-testid="stSidebar"]', timeout=120_000)
    if await _settled(page, s, start, timeout=120) is None:
        s.errors.append("首次打开未完成")
    return page


async def _choose(page, label: str, text: str) -> None:
    """Types into the sidebar selectbox (a searchable combo box) and takes the first match."""
    box = page.locator(f'[data-testid="stSidebar"] input[aria-label="{label}"]')
    await box.click(timeout=10_000)
    await box.fill(text, timeout=10_000)
    await page.keyboard.press("Enter")


async def drive(page, s: Session, until: float, think: float, towns: list[str], seed: int) -> None:
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    year, month, town = YEAR, MONTH, None
    await asyncio.sleep(rng.uniform(0, think))
    while loop.time() < until and not s.closed:
        kind = rng.choice(
            ["year", "month", "town"] if s.url_path != "township" else ["year", "month"]
        )
        if kind == "year":
            year = rng.choice([y for y in (2022, 2023, 2024, 2025) if y != year])
            label, text = "年度", f"{year}年"
        elif kind == "month":
            month = rng.choice([m for m in range(1, 10) if m != month])
            label, text = "截至月份", f"{month}月"
        else:
            town = rng.choice([t for t in [None, *towns] if t != town])
            label, text = "乡镇(街道)", town or "全县"
        n_sent = len(s.sent)
        try:
            await _choose(page, label, text)
        except Exception:
            s.misses += 1
            await page.keyboard.press("Escape")
            await asyncio.sleep(think)
            continue
        # The rerun request leaves the browser shortly after the choice.
        wait_until = loop.time() + 5
        while len(s.sent) == n_sent and loop.time() < wait_until:
            await asyncio.sleep(0.01)
        if len(s.sent) == n_sent:
            s.misses += 1
            await asyncio.sleep(think)
            continue
        sent_at = s.sent[n_sent]
        done = await _settled(page, s, sent_at)
        if done is None:
            s.errors.append(f"{RERUN_TIMEOUT:.0f} 秒内未完成")
        else:
            s.latencies.append(done - sent_at)
            n_err = await page.locator(ERROR_SELECTOR).count()
            if n_err:
                texts = await page.locator(ERROR_SELECTOR).all_inner_texts()
                s.errors.append("页面错误:" + " | ".join(t[:80] for t in texts))
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    if s.closed:
        s.errors.append("websocket 已断开")


class ProtocolSession:
    """One session over Streamlit's websocket protocol, without a browser (no rendering cost).

    Sends BackMsg rerun_script as the browser does (query string, page, the sidebar widgets'
    values as `string_value`), reads every ForwardMsg: widget ids of the sidebar selectboxes,
    exceptions and st.error alerts (errors), script_finished (the end of a rerun).
    """

    FILTERS: ClassVar[dict[str, str]] = {
        "年度": "f_year",
        "截至月份": "f_month",
        "乡镇(街道)": "f_town",
        "险种": "f_scheme",
    }

    def __init__(self, base: str, s: Session) -> None:
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.s = s
        self.widgets: dict[str, str] = {}  # key (f_year…) -> widget id
        self.values: dict[str, str] = {}
        self.page_hash = ""
        self.ws = None
        self.finished: asyncio.Queue = asyncio.Queue()

    def _back(self, query: str, states: dict[str, str]) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = query
        rerun.page_name = "" if self.s.url_path == DATA_PAGES[0] else self.s.url_path
        rerun.page_script_hash = self.page_hash
        for key, value in states.items():
            w = rerun.widget_states.widgets.add()
            w.id = self.widgets[key]
            w.string_value = value
        rerun.context_info.timezone = "Asia/Shanghai"
        rerun.context_info.locale = "zh-CN"
        return msg.SerializeToString()

    async def _reader(self) -> None:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        loop = asyncio.get_running_loop()
        try:
            async for raw in self.ws:
                if not isinstance(raw, bytes):
                    continue
                msg = ForwardMsg.FromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    self.page_hash = msg.new_session.page_script_hash or self.page_hash
                elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    el = msg.delta.new_element
                    t = el.WhichOneof("type")
                    if t == "selectbox" and el.selectbox.label in self.FILTERS:
                        key = self.FILTERS[el.selectbox.label]
                        self.widgets[key] = el.selectbox.id
                        box = el.selectbox
                        if key not in self.values and box.options:
                            i = box.default if 0 <= box.default < len(box.options) else 0
                            self.values[key] = box.options[i]
                    elif t == "exception":
                        self.s.errors.append("异常:" + el.exception.message[:80])
                    elif t == "alert" and el.alert.format == Alert.ERROR:
                        self.s.errors.append("页面错误:" + el.alert.body[:80])
                elif kind == "script_finished":
                    self.s.finished.append((loop.time(), msg.script_finished))
                    if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        self.finished.put_nowait(loop.time())
        except Exception as exc:  # a dropped connection is an error of the run
            self.s.errors.append(f"websocket:{type(exc).__name__}")
        self.s.closed = True

    async def _rerun(self, data: bytes) -> float | None:
        loop = asyncio.get_running_loop()
        while not self.finished.empty():
            self.finished.get_nowait()
        start = loop.time()
        await self.ws.send(data)
        self.s.sent.append(start)
        try:
            done = await asyncio.wait_for(self.finished.get(), RERUN_TIMEOUT)
        except TimeoutError:
            self.s.errors.append(f"{RERUN_TIMEOUT:.0f} 秒内未完成")
            return None
        return done - start

    async def open(self) -> None:
        import websockets

        self.ws = await websockets.connect(
            self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60
        )
        self.task = asyncio.create_task(self._reader())
        town = f"&town={TOWN}" if self.s.url_path == "township" else ""
        self.query = f"year={YEAR}&month={MONTH}{town}"
        if await self._rerun(self._back(self.query, {})) is None:
            self.s.errors.append("首次打开未完成")
        if len(self.widgets) < 4:
            self.s.errors.append(f"侧栏筛选控件不全:{sorted(self.widgets)}")

    async def drive(self, until: float, think: float, towns: list[str], seed: int) -> None:
        rng = random.Random(seed)
        loop = asyncio.get_running_loop()
        year, month, town = YEAR, MONTH, None
        kinds = ["year", "month", "town"] if self.s.url_path != "township" else ["year", "month"]
        # People do not all click at the same instant: the first change comes after a random pause.
        await asyncio.sleep(rng.uniform(0, think))
        while loop.time() < until and not self.s.closed and len(self.widgets) >= 4:
            kind = rng.choice(kinds)
            if kind == "year":
                year = rng.choice([y for y in (2022, 2023, 2024, 2025) if y != year])
                self.values["f_year"] = f"{year}年"
            elif kind == "month":
                month = rng.choice([m for m in range(1, 10) if m != month])
                self.values["f_month"] = f"{month}月"
            else:
                town = rng.choice([t for t in [None, *towns] if t != town])
                self.values["f_town"] = town or "全县"
            took = await self._rerun(self._back(self.query, dict(self.values)))
            if took is not None:
                self.s.latencies.append(took)
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        if self.s.closed:
            self.s.errors.append("websocket 已断开")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.task.cancel()


async def run_protocol(servers: list[tuple[str, int]], args, towns: list[str]) -> dict:
    """Protocol sessions spread over the servers (each session stays on its server, as behind
    a load balancer with sticky sessions); memory and CPU are the servers' sums."""
    pids = [pid for _, pid in servers]

    def rss() -> float:
        return sum(rss_mb(p) for p in pids)

    def cpu() -> float:
        return sum(cpu_seconds(p) for p in pids)

    out: dict = {"rss_mb": {"idle": rss()}, "client": "protocol", "processes": len(servers)}
    sessions = [Session(i, DATA_PAGES[i % len(DATA_PAGES)]) for i in range(args.sessions)]
    clients = [ProtocolSession(servers[i % len(servers)][0], s) for i, s in enumerate(sessions)]
    loop = asyncio.get_running_loop()
    try:
        await clients[0].open()
        await asyncio.sleep(2)
        out["rss_mb"]["1_session"] = rss()
        start = time.perf_counter()
        for i in range(1, len(clients), 4):
            await asyncio.gather(*(c.open() for c in clients[i : i + 4]))
        out["open_all_s"] = time.perf_counter() - start
        await asyncio.sleep(2)
        out["rss_mb"][f"{len(sessions)}_sessions"] = rss()
        until = loop.time() + args.seconds
        peak = [rss()]
        cpu_start, wall_start = cpu(), loop.time()

        async def sample() -> None:
            while loop.time() < until:
                peak.append(rss())
                await asyncio.sleep(1)

        await asyncio.gather(
            sample(), *(c.drive(until, args.think, towns, seed=c.s.index) for c in clients)
        )
        out["rss_mb"]["peak_under_load"] = max(peak)
        out["server_cores"] = (cpu() - cpu_start) / (loop.time() - wall_start)
        await asyncio.sleep(3)
        out["rss_mb"]["after_load"] = rss()
    finally:
        for c in clients:
            await c.close()
    return _summary(out, sessions)


def _town_names(db: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT name FROM township ORDER BY sort_order LIMIT 20").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


async def run(base: str, pid: int, args, towns: list[str]) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {"rss_mb": {"idle": rss_mb(pid)}}
    sessions = [Session(i, DATA_PAGES[i % len(DATA_PAGES)]) for i in range(args.sessions)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS + EXTRA_ARGS
        )
        try:
            pages = [await open_session(browser, base, sessions[0])]
            await asyncio.sleep(2)
            out["rss_mb"]["1_session"] = rss_mb(pid)
            start = time.perf_counter()
            # Open the others a few at a time, as people arrive.
            for i in range(1, len(sessions), 4):
                batch = sessions[i : i + 4]
                pages += await asyncio.gather(*(open_session(browser, base, s) for s in batch))
            out["open_all_s"] = time.perf_counter() - start
            await asyncio.sleep(2)
            out["rss_mb"][f"{len(sessions)}_sessions"] = rss_mb(pid)
            loop = asyncio.get_running_loop()
            until = loop.time() + args.seconds
            peak = [rss_mb(pid)]
            cpu_start, wall_start = cpu_seconds(pid), loop.time()

            async def sample() -> None:
                while loop.time() < until:
                    peak.append(rss_mb(pid))
                    await asyncio.sleep(1)

            await asyncio.gather(
                sample(),
                *(
                    drive(pg, s, until, args.think, towns, seed=s.index)
                    for pg, s in zip(pages, sessions, strict=True)
                ),
            )
            out["rss_mb"]["peak_under_load"] = max(peak)
            # Share of one core the server used while loaded (2.0 = both cores): tells whether
            # the server or the browser on the same machine was the bottleneck.
            out["server_cores"] = (cpu_seconds(pid) - cpu_start) / (loop.time() - wall_start)
            await asyncio.sleep(3)
            out["rss_mb"]["after_load"] = rss_mb(pid)
        finally:
            await browser.close()
    return _summary(out, sessions)


def _summary(out: dict, sessions: list[Session]) -> dict:
    lat = sorted(x for s in sessions for x in s.latencies)
    out["changes"] = len(lat)
    out["errors"] = [e for s in sessions for e in s.errors]
    out["misses"] = sum(s.misses for s in sessions)
    if lat:
        out["p50_s"] = statistics.median(lat)
        out["p95_s"] = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
        out["max_s"] = lat[-1]
    out["by_page"] = {
        p: sorted(x for s in sessions if s.url_path == p for x in s.latencies) for p in DATA_PAGES
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="county")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=3.0, help="两次修改之间的停顿(秒)")
    parser.add_argument(
        "--client",
        choices=["protocol", "browser"],
        default="protocol",
        help="protocol:直接讲 Streamlit websocket 协议(不渲染);browser:每个会话一个 Chromium 标签页",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="服务进程数(仅 protocol):会话轮流分到各进程并固定在其上,如负载均衡的会话保持",
    )
    parser.add_argument("--json", help="结果另存为 JSON")
    args = parser.parse_args(argv)
    if args.processes > 1 and args.client != "protocol":
        parser.error("--processes 只用于 --client protocol")
    args.processes = max(1, min(args.processes, 8))
    args.sessions = max(1, min(args.sessions, MAX_SESSIONS))
    args.seconds = max(5.0, min(args.seconds, MAX_SECONDS))

    print(machine_note(), flush=True)
    with private_copy(args.scale) as db:
        towns = _town_names(db)
        logs = [db.with_name(f"streamlit-{i}.log") for i in range(args.processes)]
        with ExitStack() as stack:
            servers = [
                stack.enter_context(server(db, log, read_only=args.processes > 1)) for log in logs
            ]
            if args.client == "protocol":
                job = run_protocol(servers, args, towns)
            else:
                job = run(*servers[0], args, towns)
            out = asyncio.run(asyncio.wait_for(job, args.seconds + 900))
            out["server_log_tail"] = "".join(log.read_text()[-2000:] for log in logs)
    out["machine_after"] = machine_note()
    out["scale"], out["sessions"], out["seconds"] = args.scale, args.sessions, args.seconds
    out["client"] = args.client
    report(out)
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def report(o: dict) -> None:
    r = o["rss_mb"]
    n = o["sessions"]
    client = "Streamlit 协议客户端" if o.get("client") == "protocol" else "Chromium 标签页"
    procs = o.get("processes", 1)
    where = f",{procs} 个服务进程(会话保持)" if procs > 1 else ""
    print(
        f"\n规模 {o['scale']},{n} 个会话({client}){where},{o['seconds']:.0f} 秒。"
        f"{o['machine_after']}"
    )
    print(
        f"服务进程{'合计' if procs > 1 else ''} RSS:空闲 {r['idle']:.0f} MB,1 个会话 {r['1_session']:.0f} MB,"
        f"{n} 个会话 {r[f'{n}_sessions']:.0f} MB,压测峰值 {r['peak_under_load']:.0f} MB,"
        f"压测后 {r['after_load']:.0f} MB(目标 20 个会话 < 1536 MB)"
    )
    print(
        f"打开其余 {n - 1} 个会话用时 {o['open_all_s']:.1f} 秒;压测期间服务进程平均占用"
        f" {o['server_cores']:.2f} 个核"
    )
    if o["changes"]:
        ok = "✓" if o["p95_s"] < 2 and not o["errors"] else "✗"
        print(
            f"筛选修改 {o['changes']} 次:p50 {o['p50_s'] * 1000:.0f} ms,"
            f"p95 {o['p95_s'] * 1000:.0f} ms,最长 {o['max_s'] * 1000:.0f} ms;"
            f"错误 {len(o['errors'])} 个;驱动未触发 {o['misses']} 次  {ok}(目标 p95<2s,零错误)"
        )
    for p, lat in o["by_page"].items():
        if lat:
            print(
                f"  {p:<12}{len(lat):>5} 次  p50 {statistics.median(lat) * 1000:>6.0f} ms"
                f"  p95 {lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))] * 1000:>6.0f} ms"
            )
    for e in sorted(set(o["errors"]))[:10]:
        print("  错误:", e, f"×{o['errors'].count(e)}")


if __name__ == "__main__":
    raise SystemExit(main())
