"""The monthly push: for the latest loaded month, the briefing material and the list of new and
overdue 督办 cases, sent by e-mail (SMTP, attachments) and to a 企业微信/钉钉 group robot
(a JSON POST with a summary and a link). Meant for a scheduler (see README, 月度推送).

Each channel is optional and configured in `.streamlit/secrets.toml` under [push] (or the
environment, see `load_config`). A township with its own recipients gets only its township's
cases and material. Each message is tried `attempts` times with a doubling pause; every attempt
that fails is logged, and when all fail the command says so in Chinese and exits with 1. A
message already sent for the month (push_log) is not sent again unless --force.

    .venv/bin/python -m exports.push                # the latest loaded month
    .venv/bin/python -m exports.push --year 2026 --month 10 --force
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import smtplib
import sys
import time
import tomllib
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, insert, select

from auth import roles as R
from data_sources import cases as S
from data_sources.config import SECRETS_PATH
from exports import case_list
from metrics import lifecycle as L
from metrics import settings
from metrics.model import Period, Viewer

log = logging.getLogger("yibao.push")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 25
    user: str | None = None
    password: str | None = None
    ssl: bool = False  # SMTP over TLS (usually port 465)
    starttls: bool = False  # STARTTLS on a plain connection (usually port 587)
    timeout: float = 30.0


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    style: str = "wecom"  # wecom (企业微信群机器人) or dingtalk (钉钉自定义机器人)


@dataclass(frozen=True)
class TownshipRecipient:
    """A township's own recipients: they get that township's cases only."""

    code: str
    to: tuple[str, ...] = ()
    webhook: str | None = None


@dataclass(frozen=True)
class PushConfig:
    smtp: SmtpConfig | None = None
    webhook: WebhookConfig | None = None
    townships: tuple[TownshipRecipient, ...] = ()
    link: str = ""  # the dashboard's address, e.g. http://10.1.2.3:8501/cases
    attempts: int = settings.PUSH_ATTEMPTS
    backoff: float = settings.PUSH_BACKOFF_SECONDS

    @property
    def empty(self) -> bool:
        return self.smtp is None and self.webhook is None and not self.townships


class PushError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.replace(",", ",").split(",") if isinstance(value, str) else list(value)  # type: ignore[union-attr]
    return tuple(str(v).strip() for v in items if str(v).strip())


def config_from(push: Mapping, env: Mapping[str, str]) -> PushConfig:
    """The push settings from a [push] table and the environment (which wins).

    Environment: PUSH_SMTP_HOST, PUSH_SMTP_PORT, PUSH_SMTP_USER, PUSH_SMTP_PASSWORD,
    PUSH_SMTP_FROM, PUSH_SMTP_TO (comma separated), PUSH_SMTP_SSL, PUSH_SMTP_STARTTLS (1/0),
    PUSH_WEBHOOK_URL, PUSH_WEBHOOK_STYLE, PUSH_LINK, PUSH_ATTEMPTS, PUSH_BACKOFF_SECONDS.
    """
    smtp = dict(push.get("smtp", {}))
    for key in ("host", "port", "user", "password", "from", "to", "ssl", "starttls"):
        if env.get(f"PUSH_SMTP_{key.upper()}"):
            smtp[key] = env[f"PUSH_SMTP_{key.upper()}"]
    hook = dict(push.get("webhook", {}))
    for key in ("url", "style"):
        if env.get(f"PUSH_WEBHOOK_{key.upper()}"):
            hook[key] = env[f"PUSH_WEBHOOK_{key.upper()}"]

    def flag(v: object) -> bool:
        return str(v).strip().lower() in ("1", "true", "yes", "on")

    smtp_cfg = None
    if smtp.get("host"):
        if not smtp.get("from"):
            raise PushError("推送邮件未配置发件人(push.smtp 的 from)。")
        try:
            port = int(smtp.get("port", 25))
        except ValueError as exc:
            raise PushError(f"推送邮件端口不是数字:{smtp.get('port')}。") from exc
        smtp_cfg = SmtpConfig(
            host=str(smtp["host"]),
            sender=str(smtp["from"]),
            to=_list(smtp.get("to")),
            port=port,
            user=str(smtp["user"]) if smtp.get("user") else None,
            password=str(smtp["password"]) if smtp.get("password") else None,
            ssl=flag(smtp.get("ssl", False)),
            starttls=flag(smtp.get("starttls", False)),
        )
    hook_cfg = None
    if hook.get("url"):
        style = str(hook.get("style", "wecom"))
        if style not in ("wecom", "dingtalk"):
            raise PushError(f"未知的群机器人类型:{style}(可用 wecom、dingtalk)。")
        hook_cfg = WebhookConfig(str(hook["url"]), style)
    towns = tuple(
        TownshipRecipient(str(t["code"]), _list(t.get("to")), t.get("webhook") or None)
        for t in push.get("township", [])
        if t.get("code")
    )
    if smtp_cfg is None and any(t.to for t in towns):
        raise PushError("乡镇收件人填写了邮箱,但未配置发信服务器([push.smtp] 的 host、from)。")
    try:
        attempts = int(env.get("PUSH_ATTEMPTS") or push.get("attempts", settings.PUSH_ATTEMPTS))
        backoff = float(
            env.get("PUSH_BACKOFF_SECONDS")
            or push.get("backoff_seconds", settings.PUSH_BACKOFF_SECONDS)
        )
    except ValueError as exc:
        raise PushError("推送重试次数和间隔必须是数字(attempts、backoff_seconds)。") from exc
    return PushConfig(
        smtp=smtp_cfg,
        webhook=hook_cfg,
        townships=towns,
        link=str(env.get("PUSH_LINK") or push.get("link", "")),
        attempts=max(1, attempts),
        backoff=max(0.0, backoff),
    )


def load_config(
    secrets_path: Path = SECRETS_PATH, env: Mapping[str, str] | None = None
) -> PushConfig:
    """[push] of .streamlit/secrets.toml, overridden by PUSH_* environment variables."""
    push: Mapping = {}
    if secrets_path.is_file():
        try:
            with secrets_path.open("rb") as fh:
                push = tomllib.load(fh).get("push", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PushError(f"读取 {secrets_path.name} 失败:{type(exc).__name__}。") from exc
    return config_from(push, os.environ if env is None else env)


# --- content -------------------------------------------------------------------------------

AttachmentBuilder = Callable[[Engine, Period, str | None], list[Attachment]]


def briefing_attachments(
    engine: Engine, period: Period, township: str | None, *, with_charts: bool = True
) -> list[Attachment]:
    """The briefing PPT of 汇报材料 (exports.briefing_content + exports.briefing): title, 运行情况
    paragraph, key figures, 预警事项 and, with `with_charts`, one slide per headline chart (about
    20 seconds to draw).

    The default attachment builder; the monthly pack can replace it (a parameter of `run`).
    """
    content = briefing_content(engine, period, township)
    if with_charts:
        from exports.briefing_content import render

        content = render(content)
    from exports.briefing import briefing_pptx

    deck = briefing_pptx(content)
    return [Attachment(f"{content.scope}{period.label()}医保工作汇报材料.pptx", deck, PPTX)]


def briefing_content(engine: Engine, period: Period, township: str | None):
    """What 汇报材料 gathers for the scope, as its viewer sees it (charts not yet drawn); the
    region's level and name give 全县/全区/全市 and the issuing unit, as on the page."""
    from charts import ChartText, stacked
    from data_sources import region
    from exports import wording
    from exports.briefing_content import gather
    from metrics.execute import execute

    with engine.connect() as conn:
        area = region.read_region(conn)
    level = area.level if area else region.DEFAULT_LEVEL
    scope = region.scope_word_for(level) if township is None else township_name(engine, township)
    cutoff = f"数据截至:{period.year}年{period.month}月"
    source = f"数据来源:县医疗保障局医保决策驾驶舱  {cutoff}"
    viewer = _viewer(township)
    return gather(
        lambda spec: execute(engine, spec, viewer),
        period,
        township,
        cutoff,
        lambda subject, unit: stacked(
            ChartText(f"{scope} {period.label()} {subject}", unit, source)
        ),
        scope_label=scope,
        level=level,
        organisation=wording.organisation(area.name if area else None),
    )


def _viewer(township: str | None) -> Viewer:
    # Material that leaves the system by e-mail never shows small cells.
    return Viewer(name="push", townships=None if township is None else frozenset({township}))


def report_text(engine: Engine, period: Period, township: str | None) -> str:
    """The §一 paragraph (exports.narrative) as the viewer of that scope sees it."""
    from exports.narrative import report_paragraph
    from metrics.execute import execute

    viewer = _viewer(township)
    return report_paragraph(lambda spec: execute(engine, spec, viewer), period, township)


def township_name(engine: Engine, code: str) -> str:
    from data_sources.schema import township

    with engine.connect() as conn:
        name = conn.execute(select(township.c.name).where(township.c.code == code)).scalar()
    return str(name or code)


def _township_names(engine: Engine) -> dict[str, str]:
    from data_sources.schema import township

    with engine.connect() as conn:
        return {str(c): str(n) for c, n in conn.execute(select(township.c.code, township.c.name))}


def due_cases(all_cases: Sequence[L.Case], ym: int, today: dt.date) -> list[L.Case]:
    """The cases new in the month (`Case.new_in`) and every overdue case."""
    picked = [c for c in all_cases if c.overdue(today) or c.new_in(ym)]
    return L.sort_for_desk(picked, today)


@dataclass(frozen=True)
class Message:
    """One push to one recipient group: its id in push_log, subject, text and attachments."""

    recipient: str  # "county" or a township code
    subject: str
    text: str
    markdown: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def build_message(
    engine: Engine,
    year: int,
    month: int,
    township: str | None,
    *,
    link: str,
    today: dt.date,
    attachments: AttachmentBuilder = briefing_attachments,
    app_engine: Engine | None = None,
) -> Message:
    """The month's message for the county (township None) or one township.

    `engine` is the warehouse; the cases are read from `app_engine` (default: its app store).
    """
    from data_sources.app_store import get_app_engine

    period = Period(year, month)
    ym = L.month_key(year, month)
    reader = COUNTY_READER if township is None else _officer(township)
    app = app_engine or get_app_engine(engine)
    picked = due_cases(S.list_cases(app, reader), ym, today)
    new = sum(c.new_in(ym) for c in picked)
    late = sum(c.overdue(today) for c in picked)
    names = _township_names(engine)
    scope = "全县" if township is None else names.get(township, township)
    frame = case_list.case_rows(picked, today, names)
    title = f"{scope}{year}年{month}月新发和逾期督办事项"
    xlsx = case_list.cases_xlsx(frame, title=title, cutoff=f"推送日期:{today:%Y年%m月%d日}")
    files = [*attachments(engine, period, township), Attachment(f"{title}.xlsx", xlsx, XLSX)]
    summary = f"{scope}{year}年{month}月:新发预警{new}项,逾期未办结{late}项。"
    paragraph = report_text(engine, period, township)
    lines = [f"- {c.subject_name}:{c.figures.get('text', c.status)}({c.status})" for c in picked]
    shown = lines[:10] + ([f"- ……另有{len(lines) - 10}项,见附件清单"] if len(lines) > 10 else [])
    text = "\n".join(
        [summary, "", "一、医保工作运行情况", paragraph, "", "二、新发和逾期督办事项", *shown]
        + (["", f"详情请登录驾驶舱:{link}"] if link else [])
    )
    markdown = "\n".join(
        [f"**医保决策驾驶舱 · {year}年{month}月推送**", summary, *shown[:5]]
        + ([f"[打开预警督办]({link})"] if link else [])
    )
    return Message(
        recipient="county" if township is None else township,
        subject=f"【医保决策驾驶舱】{summary}",
        text=text,
        markdown=markdown,
        attachments=tuple(files),
    )


# Who the push reads cases as: the county, or one township's officer (scope of the store).
COUNTY_READER = R.User("push", "月度推送", frozenset({R.LEADER}), frozenset())


def _officer(township: str) -> R.User:
    return R.User("push", "月度推送", frozenset({R.TOWNSHIP}), frozenset({township}))


# --- sending -------------------------------------------------------------------------------


def send_email(cfg: SmtpConfig, to: Sequence[str], message: Message) -> None:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = cfg.sender
    mail["To"] = ", ".join(to)
    mail.set_content(message.text)
    for a in message.attachments:
        main, sub = a.mime.split("/", 1)
        mail.add_attachment(a.data, maintype=main, subtype=sub, filename=a.filename)
    smtp_class = smtplib.SMTP_SSL if cfg.ssl else smtplib.SMTP
    with smtp_class(cfg.host, cfg.port, timeout=cfg.timeout) as server:
        if cfg.starttls:
            server.starttls()
        if cfg.user:
            server.login(cfg.user, cfg.password or "")
        server.send_message(mail, to_addrs=list(to))


def webhook_payload(style: str, message: Message, link: str) -> dict:
    """企业微信 (msgtype markdown, content) or 钉钉 (msgtype markdown, title and text) JSON."""
    if style == "dingtalk":
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.subject, "text": message.markdown},
        }
    del link  # in the markdown already; the robots refuse unknown fields
    return {"msgtype": "markdown", "markdown": {"content": message.markdown}}


def post_json(url: str, payload: dict, timeout: float = 15.0) -> None:
    """POSTs JSON; an HTTP error status or a robot's errcode ≠ 0 is a failure."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read().decode("utf-8", errors="replace")
    try:
        answer = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise PushError(f"群机器人返回错误:{answer.get('errmsg', answer.get('errcode'))}")


def with_retry(
    send: Callable[[], None],
    *,
    attempts: int,
    backoff: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, int, str]:
    """Calls `send` up to `attempts` times; (ok, attempts used, last error in Chinese)."""
    error = ""
    pause = backoff
    for attempt in range(1, max(1, attempts) + 1):
        try:
            send()
            return True, attempt, ""
        except Exception as exc:  # any failure of a network send is retried, then reported
            error = f"{type(exc).__name__}: {exc}"[:300]
            log.warning("push %s attempt %s/%s failed: %s", what, attempt, attempts, error)
            if attempt < attempts and pause > 0:
                sleep(pause)
                pause *= 2
    return False, max(1, attempts), error


def _sent(engine: Engine, ym: int, channel: str, recipient: str) -> bool:
    q = select(S.push_log.c.push_id).where(
        S.push_log.c.month == ym,
        S.push_log.c.channel == channel,
        S.push_log.c.recipient == recipient,
        S.push_log.c.ok == 1,
    )
    with engine.connect() as conn:
        return conn.execute(q.limit(1)).first() is not None


def _log(engine: Engine, ym: int, channel: str, recipient: str, ok: bool, n: int, detail: str):
    with engine.begin() as conn:
        conn.execute(
            insert(S.push_log).values(
                month=ym,
                channel=channel,
                recipient=recipient,
                at=dt.datetime.now().replace(microsecond=0),
                ok=int(ok),
                attempts=n,
                detail=detail[:1000],
            )
        )


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


CHANNEL_NAMES = {"email": "邮件", "webhook": "群机器人"}


def run(
    engine: Engine,
    config: PushConfig,
    year: int,
    month: int,
    *,
    force: bool = False,
    today: dt.date | None = None,
    attachments: AttachmentBuilder = briefing_attachments,
    sleep: Callable[[float], None] = time.sleep,
    app_engine: Engine | None = None,
) -> Outcome:
    """Sends the month's push on every configured channel; see the module docstring.

    `engine` is the warehouse; cases and the push log are in `app_engine` (default: its app
    store).
    """
    from data_sources.app_store import get_app_engine

    app = app_engine or get_app_engine(engine)
    S.ensure_tables(app)
    today = today or dt.date.today()
    ym = L.month_key(year, month)
    targets: list[tuple[str | None, str, str, Callable[[Message], None]]] = []
    if config.smtp and config.smtp.to:
        targets.append(
            (None, "email", ",".join(config.smtp.to), partial_email(config.smtp, config.smtp.to))
        )
    if config.webhook:
        targets.append((None, "webhook", "county", partial_hook(config.webhook, config.link)))
    for t in config.townships:
        if t.to and config.smtp:
            targets.append((t.code, "email", ",".join(t.to), partial_email(config.smtp, t.to)))
        if t.webhook:
            hook = WebhookConfig(t.webhook, config.webhook.style if config.webhook else "wecom")
            targets.append((t.code, "webhook", t.code, partial_hook(hook, config.link)))
    outcome = Outcome()
    messages: dict[str | None, Message] = {}
    for township, channel, recipient, send in targets:
        label = f"{CHANNEL_NAMES[channel]}({'全县' if township is None else township})"
        key = recipient if channel == "email" else f"webhook:{recipient}"
        key = f"{township or 'county'}|{key}"
        if not force and _sent(app, ym, channel, key):
            outcome.skipped.append(label)
            continue
        if township not in messages:
            messages[township] = build_message(
                engine,
                year,
                month,
                township,
                link=config.link,
                today=today,
                attachments=attachments,
                app_engine=app,
            )
        message = messages[township]
        ok, n, error = with_retry(
            lambda send=send, message=message: send(message),
            attempts=config.attempts,
            backoff=config.backoff,
            what=label,
            sleep=sleep,
        )
        _log(app, ym, channel, key, ok, n, error or message.subject)
        (outcome.sent if ok else outcome.failed).append(label if ok else f"{label}:{error}")
    return outcome


def partial_email(cfg: SmtpConfig, to: Sequence[str]) -> Callable[[Message], None]:
    return lambda message: send_email(cfg, to, message)


def partial_hook(cfg: WebhookConfig, link: str) -> Callable[[Message], None]:
    return lambda message: post_json(cfg.url, webhook_payload(cfg.style, message, link))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exports.push", description="月度推送")
    parser.add_argument("--year", type=int, help="年份(默认:最新已加载月份)")
    parser.add_argument("--month", type=int, help="月份(默认:最新已加载月份)")
    parser.add_argument("--force", action="store_true", help="该月已推送过也重新发送")
    parser.add_argument("--no-charts", action="store_true", help="汇报PPT不含图表页(更快)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    from data_sources.app_store import get_app_engine
    from data_sources.config import warehouse_url
    from data_sources.engine import create_warehouse_engine

    try:
        config = load_config()
    except PushError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    if config.empty:
        print(
            "未配置推送渠道:请在 .streamlit/secrets.toml 的 [push] 中配置邮件或群机器人。",
            file=sys.stderr,
        )
        return 2
    try:
        engine = create_warehouse_engine(warehouse_url())
        app = get_app_engine(engine)
        if args.year and args.month:
            year, month = args.year, args.month
            if not 1 <= month <= 12:
                print(f"月份必须在1到12之间,收到 {month}。", file=sys.stderr)
                return 2
        else:
            latest = S.latest_month(app)
            if latest is None:
                print("数据仓库中尚无已加载的数据,无法推送。", file=sys.stderr)
                return 2
            year, month = latest
        S.evaluate_month(engine, year, month, username="push", app_engine=app)  # idempotent
        builder = partial(briefing_attachments, with_charts=not args.no_charts)
        outcome = run(
            engine, config, year, month, force=args.force, attachments=builder, app_engine=app
        )
    except Exception as exc:  # a scheduled command reports in Chinese, never a traceback
        log.debug("push failed", exc_info=True)
        print(f"月度推送失败:{type(exc).__name__}。请检查数据仓库连接和推送配置。", file=sys.stderr)
        return 1
    if not (outcome.sent or outcome.skipped or outcome.failed):
        print(
            "未配置收件人:请在 [push.smtp] 的 to 或 [[push.township]] 中填写收件人。",
            file=sys.stderr,
        )
        return 2
    for label in outcome.sent:
        print(f"已推送:{label}")
    if outcome.skipped:
        print(
            f"{year}年{month}月已推送过,本次未重复发送:{'、'.join(outcome.skipped)}"
            "(如需重发请加 --force)。"
        )
    for label in outcome.failed:
        print(f"推送失败(已重试{config.attempts}次):{label}", file=sys.stderr)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
