"""The monthly push against a real local SMTP server (aiosmtpd) and a real HTTP receiver, both on
127.0.0.1 in this process: messages, attachments and JSON; retries; no double send."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from pptx import Presentation
from sqlalchemy import Engine, select

from data_sources import cases as S
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from exports import push
from metrics import lifecycle as L
from metrics.breaches import ENROLL, POVERTY
from tests.cases.helpers import STAFF, T1, T2, T3, breach, month

XIANGTANG = "360121101"
TODAY = dt.date(2026, 11, 3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), mail))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Receiver(ThreadingHTTPServer):
    def __init__(self, fail_first: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), Hook)
        self.fail_first = fail_first
        self.requests: list[tuple[str, dict]] = []


class Hook(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, json.loads(body)))
        if len(self.server.requests) <= self.server.fail_first:
            self.send_response(500)
            self.end_headers()
            return
        answer = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        return None


def receiver(fail_first: int = 0) -> Iterator[Receiver]:
    server = Receiver(fail_first)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook() -> Iterator[Receiver]:
    yield from receiver()


@pytest.fixture
def flaky_hook() -> Iterator[Receiver]:
    yield from receiver(fail_first=2)


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("push") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    engine = create_warehouse_engine(demo_url(own))
    # Hand-made months: September 莲塘镇 and 向塘镇 behind; October both continue, 小蓝街道 is
    # new behind and 向塘镇 has new poverty-return flags. 莲塘镇's case was due on 2026-10-29.
    S.record_evaluation(engine, month(2026, 9, breach(T1, 2026, 9, 0.8), breach(T2, 2026, 9, 0.8)))
    S.record_evaluation(
        engine,
        month(
            2026,
            10,
            breach(T1, 2026, 10, 0.8),
            breach(T2, 2026, 10, 0.8),
            breach(T3, 2026, 10, 0.8),
            breach(T2, 2026, 10, 0.8, rule=POVERTY),
            rules=(ENROLL, POVERTY),
        ),
    )
    lt = next(c for c in S.list_cases(engine, STAFF) if c.subject_code == T1)
    S.act(
        engine,
        lt.case_id,
        lt.version,
        STAFF,
        partial(
            L.assign,
            actor=STAFF,
            owner_kind=L.SECTION,
            owner="待遇保障股",
            due_date=dt.date(2026, 10, 29),
            note="",
            today=dt.date(2026, 10, 20),
        ),
    )
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_log(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        conn.execute(S.push_log.delete())
    return warehouse


# The PPT without chart slides: drawing them takes ~20 s and is the 汇报材料 page's tested path.
QUICK = partial(push.briefing_attachments, with_charts=False)


def config(port: int, hook_url: str | None = None, town_hook: str | None = None, **kw):
    return push.PushConfig(
        smtp=push.SmtpConfig("127.0.0.1", "yibao@bureau.test", ("leader@bureau.test",), port),
        webhook=push.WebhookConfig(hook_url) if hook_url else None,
        townships=(push.TownshipRecipient(XIANGTANG, ("xt@bureau.test",), town_hook),),
        link="http://10.0.0.5:8501/cases",
        backoff=0,
        **kw,
    )


def _attachments(mail: EmailMessage) -> dict[str, bytes]:
    return {p.get_filename(): p.get_content() for p in mail.iter_attachments()}


def test_mail_and_webhook_carry_the_month_and_the_scope(fresh_log: Engine, smtp, hook) -> None:
    inbox, port = smtp
    url = f"http://127.0.0.1:{hook.server_port}"
    outcome = push.run(
        fresh_log,
        config(port, f"{url}/county", f"{url}/xt"),
        2026,
        10,
        today=TODAY,
        attachments=QUICK,
    )
    assert outcome.ok and len(outcome.sent) == 4, outcome
    # By hand: new in October are 小蓝街道 (enrollment) and 向塘镇 (poverty flags); 莲塘镇 is
    # overdue (due 2026-10-29, today 2026-11-03); 向塘镇's enrollment case only continues.

    (to1, county), (to2, town) = inbox.messages
    assert to1 == ["leader@bureau.test"] and to2 == ["xt@bureau.test"]
    assert county["Subject"] == ("【医保决策驾驶舱】全县2026年10月:新发预警2项,逾期未办结1项。")
    assert town["Subject"] == "【医保决策驾驶舱】向塘镇2026年10月:新发预警1项,逾期未办结0项。"
    body = county.get_body(("plain",)).get_content()
    assert "一、医保工作运行情况" in body and "http://10.0.0.5:8501/cases" in body

    files = _attachments(county)
    assert set(files) == {
        "全县2026年1-10月医保工作汇报材料.pptx",
        "全县2026年10月新发和逾期督办事项.xlsx",
    }
    deck = Presentation(io.BytesIO(files["全县2026年1-10月医保工作汇报材料.pptx"]))
    slide_text = " ".join(
        s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame
    )
    assert "全县医保工作运行情况" in slide_text and "2026年1-10月" in slide_text
    ws = load_workbook(io.BytesIO(files["全县2026年10月新发和逾期督办事项.xlsx"])).active
    rows = [[ws.cell(r, c).value for c in (2, 5, 7, 15)] for r in range(4, ws.max_row + 1)]
    assert rows == [
        ["已派发", "乡镇参保任务完成率落后时序进度", "莲塘镇", 5],  # overdue first, 5 days
        ["新发", "乡镇参保任务完成率落后时序进度", "小蓝街道", None],
        ["新发", "防返贫监测预警(当月新增)", "向塘镇", None],
    ]
    # The township's list holds its own cases only.
    ws = load_workbook(
        io.BytesIO(_attachments(town)["向塘镇2026年10月新发和逾期督办事项.xlsx"])
    ).active
    assert [[ws.cell(r, c).value for c in (5, 8)] for r in range(4, ws.max_row + 1)] == [
        ["防返贫监测预警(当月新增)", "向塘镇"]
    ]

    paths = [p for p, _ in hook.requests]
    assert paths == ["/county", "/xt"]
    payload = hook.requests[0][1]
    assert payload["msgtype"] == "markdown"
    assert "全县2026年10月:新发预警2项,逾期未办结1项。" in payload["markdown"]["content"]
    assert "[打开预警督办](http://10.0.0.5:8501/cases)" in payload["markdown"]["content"]
    xt_text = hook.requests[1][1]["markdown"]["content"]
    assert "向塘镇" in xt_text and "莲塘镇" not in xt_text


def test_a_second_run_sends_nothing_unless_forced(fresh_log: Engine, smtp, hook) -> None:
    inbox, port = smtp
    cfg = config(port, f"http://127.0.0.1:{hook.server_port}/county")
    first = push.run(fresh_log, cfg, 2026, 10, today=TODAY, attachments=QUICK)
    assert len(first.sent) == 3
    second = push.run(fresh_log, cfg, 2026, 10, today=TODAY, attachments=QUICK)
    assert second.sent == [] and len(second.skipped) == 3 and second.ok
    assert len(inbox.messages) == 2 and len(hook.requests) == 1
    forced = push.run(fresh_log, cfg, 2026, 10, today=TODAY, force=True, attachments=QUICK)
    assert len(forced.sent) == 3 and len(inbox.messages) == 4 and len(hook.requests) == 2


def test_a_receiver_failing_twice_is_retried(fresh_log: Engine, flaky_hook) -> None:
    pauses: list[float] = []
    cfg = push.PushConfig(
        webhook=push.WebhookConfig(f"http://127.0.0.1:{flaky_hook.server_port}/hook", "dingtalk"),
        backoff=0.5,
        attempts=3,
    )
    outcome = push.run(
        fresh_log, cfg, 2026, 10, today=TODAY, sleep=pauses.append, attachments=QUICK
    )
    assert outcome.ok and len(flaky_hook.requests) == 3
    assert pauses == [0.5, 1.0]  # doubling pause, never really slept in the test
    payload = flaky_hook.requests[-1][1]
    assert payload["msgtype"] == "markdown" and payload["markdown"]["title"].startswith("【医保")
    with fresh_log.connect() as conn:
        rows = conn.execute(select(S.push_log.c.ok, S.push_log.c.attempts)).all()
    assert [tuple(r) for r in rows] == [(1, 3)]


def test_all_attempts_failing_exits_non_zero_in_chinese(
    fresh_log: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", str(fresh_log.url))
    for key, value in {
        "PUSH_SMTP_HOST": "127.0.0.1",
        "PUSH_SMTP_PORT": str(free_port()),  # nothing listens there
        "PUSH_SMTP_FROM": "yibao@bureau.test",
        "PUSH_SMTP_TO": "leader@bureau.test",
        "PUSH_BACKOFF_SECONDS": "0",
    }.items():
        monkeypatch.setenv(key, value)
    fresh_log.dispose()  # the CLI opens the same DuckDB file
    assert push.main(["--no-charts"]) == 1
    err = capsys.readouterr().err
    assert "推送失败(已重试3次):邮件(全县)" in err
    with fresh_log.connect() as conn:
        rows = conn.execute(select(S.push_log.c.ok, S.push_log.c.attempts)).all()
    assert [tuple(r) for r in rows] == [(0, 3)]


def test_config_from_secrets_and_environment() -> None:
    cfg = push.config_from(
        {
            "link": "http://a/cases",
            "smtp": {"host": "mail", "port": 465, "ssl": True, "from": "a@b", "to": ["x@b"]},
            "township": [{"code": XIANGTANG, "to": "xt@b, xt2@b"}],
        },
        {"PUSH_SMTP_PASSWORD": "secret", "PUSH_WEBHOOK_URL": "http://hook"},
    )
    assert cfg.smtp == push.SmtpConfig("mail", "a@b", ("x@b",), 465, password="secret", ssl=True)
    assert cfg.webhook == push.WebhookConfig("http://hook")
    assert cfg.townships == (push.TownshipRecipient(XIANGTANG, ("xt@b", "xt2@b")),)
    with pytest.raises(push.PushError, match="未配置发件人"):
        push.config_from({"smtp": {"host": "mail"}}, {})
    with pytest.raises(push.PushError, match="未配置发信服务器"):
        push.config_from({"township": [{"code": XIANGTANG, "to": ["xt@b"]}]}, {})
    assert push.config_from({}, {}).empty


def test_due_cases_are_new_or_overdue() -> None:
    def case(code: str, **kw) -> L.Case:
        base = dict(
            rule="r",
            subject_kind="township",
            subject_code=code,
            subject_name=code,
            area="a",
            township=code,
            first_month=202609,
            latest_month=202610,
            consecutive=1,
        )
        return L.Case(**{**base, **kw})

    new = case("new")
    continuing = case("old", consecutive=2)
    late = case(
        "late", consecutive=2, status=L.DISPATCHED, owner="x", due_date=TODAY.replace(day=1)
    )
    closed_late = case("closed", status=L.DONE, due_date=TODAY.replace(day=1))
    picked = push.due_cases([new, continuing, late, closed_late], 202610, TODAY)
    assert [c.subject_code for c in picked] == ["late", "new"]
