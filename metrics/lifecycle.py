"""The life of a 督办事项 (warning case): pure functions, no database, no Streamlit.

A case belongs to one (rule, subject). Each evaluated month moves it: a new breach opens it
(新发), a continuing one updates its figures and counts consecutive months, one that clears is
proposed for closure (拟销号), one that comes back after closure reopens it, and
`settings.CASE_ESCALATE_MONTHS` consecutive months escalate it to 约谈. People move it too:
局领导/科室人员 assign it (已派发) to a township officer or a section with a due date, the officer
answers (整改中), the assigner closes it (已办结 / 已销号) or sends it back (已派发).

Months are written yyyymm (202610); `months_between` counts across years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from auth import roles as R
from metrics import settings
from metrics.breaches import Breach, Evaluation

NEW, DISPATCHED, IN_PROGRESS, PROPOSED, DONE, CLOSED = (
    "新发",
    "已派发",
    "整改中",
    "拟销号",
    "已办结",
    "已销号",
)
STATUSES: tuple[str, ...] = (NEW, DISPATCHED, IN_PROGRESS, PROPOSED, DONE, CLOSED)
FINAL = frozenset({DONE, CLOSED})
NORMAL, TALK = "督办", "约谈"
SECTION, OFFICER = "section", "user"

# Event actions and their Chinese labels (history, audit log).
ACTIONS: dict[str, str] = {
    "open": "新发预警",
    "continue": "持续预警",
    "propose": "预警解除,拟销号",
    "reopen": "再次预警,重新打开",
    "escalate": "升级约谈",
    "assign": "派发",
    "answer": "整改答复",
    "close": "办结/销号",
    "send_back": "退回",
}

Key = tuple[str, str, str]  # (rule, subject_kind, subject_code)


class CaseError(Exception):
    """A refused step; `message` is the Chinese text shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def month_key(year: int, month: int) -> int:
    """(2026, 10) -> 202610."""
    return year * 100 + month


def months_between(earlier: int, later: int) -> int:
    """Months from one yyyymm to another: months_between(202511, 202602) == 3."""
    return (later // 100 - earlier // 100) * 12 + (later % 100 - earlier % 100)


def month_label(ym: int | None) -> str:
    return "" if not ym else f"{ym // 100}年{ym % 100}月"


@dataclass(frozen=True)
class Case:
    rule: str
    subject_kind: str
    subject_code: str
    subject_name: str
    area: str
    township: str | None
    first_month: int
    latest_month: int
    consecutive: int
    status: str = NEW
    level: str = NORMAL
    severity: str = "red"
    figures: dict = field(default_factory=dict, compare=False)
    owner_kind: str | None = None
    owner: str | None = None
    due_date: dt.date | None = None
    assigned_by: str | None = None
    reopened: int = 0
    case_id: int | None = None
    version: int = 0

    @property
    def key(self) -> Key:
        return (self.rule, self.subject_kind, self.subject_code)

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL

    def new_in(self, ym: int) -> bool:
        """Opened (or back after a gap) in month `ym` and not yet dispatched."""
        return self.status == NEW and self.latest_month == ym and self.consecutive == 1

    def overdue(self, today: dt.date) -> bool:
        """Past its due date and not closed."""
        return self.is_open and self.due_date is not None and self.due_date < today


@dataclass(frozen=True)
class Event:
    action: str
    from_status: str | None
    to_status: str
    username: str
    month: int | None = None
    note: str = ""
    measures: str = ""
    progress: str = ""
    answer_date: dt.date | None = None
    figures: dict = field(default_factory=dict, compare=False)


Change = tuple[Case, tuple[Event, ...]]


def _escalated(case: Case, events: list[Event], username: str, after: int) -> Case:
    if case.consecutive >= after and case.level != TALK:
        events.append(
            Event(
                "escalate",
                case.status,
                case.status,
                username,
                case.latest_month,
                note=f"连续{case.consecutive}个月预警,升级约谈",
            )
        )
        return replace(case, level=TALK)
    return case


def _on_breach(case: Case | None, b: Breach, username: str, after: int) -> Change | None:
    m = month_key(b.year, b.month)
    facts = {"figures": dict(b.figures), "severity": b.severity, "subject_name": b.subject_name}
    if case is None:
        opened = Case(
            rule=b.rule,
            subject_kind=b.subject_kind,
            subject_code=b.subject_code,
            subject_name=b.subject_name,
            area=b.area,
            township=b.township,
            first_month=m,
            latest_month=m,
            consecutive=1,
            severity=b.severity,
            figures=dict(b.figures),
        )
        events = [Event("open", None, NEW, username, m, figures=dict(b.figures))]
        return _escalated(opened, events, username, after), tuple(events)
    if case.latest_month == m and case.is_open and case.figures != dict(b.figures):
        # The month was loaded again with corrected figures: the case shows the new ones.
        event = Event(
            "continue", case.status, case.status, username, m, "数据更新", figures=dict(b.figures)
        )
        return replace(case, **facts), (event,)
    if case.latest_month >= m:
        return None  # this month (or a later one) is already in the case: nothing changes
    run = case.consecutive + 1 if months_between(case.latest_month, m) == 1 else 1
    events: list[Event] = []
    if not case.is_open:
        moved = replace(
            case,
            **facts,
            latest_month=m,
            consecutive=run,
            status=NEW,
            level=NORMAL if run < after else case.level,
            owner_kind=None,
            owner=None,
            due_date=None,
            reopened=case.reopened + 1,
        )
        events.append(Event("reopen", case.status, NEW, username, m, figures=dict(b.figures)))
    else:
        status = case.status
        note = ""
        if status == PROPOSED:
            status = DISPATCHED if case.owner else NEW
            note = "预警再次出现,撤回拟销号"
        moved = replace(case, **facts, latest_month=m, consecutive=run, status=status)
        events.append(
            Event("continue", case.status, status, username, m, note=note, figures=dict(b.figures))
        )
    return _escalated(moved, events, username, after), tuple(events)


def apply_evaluation(
    cases: Mapping[Key, Case],
    evaluation: Evaluation,
    *,
    username: str = "system",
    escalate_after: int = settings.CASE_ESCALATE_MONTHS,
) -> list[Change]:
    """The cases a month's evaluation changes, each with its events (new cases have no id).

    Idempotent: applying the same evaluation to its own result changes nothing. Cases of rules
    not in `evaluation.rules` (no data that month) are left alone.
    """
    m = month_key(evaluation.year, evaluation.month)
    changes: list[Change] = []
    seen: set[Key] = set()
    for b in evaluation.breaches:
        if b.key in seen:
            continue
        seen.add(b.key)
        change = _on_breach(cases.get(b.key), b, username, escalate_after)
        if change is not None:
            changes.append(change)
    for key, case in cases.items():
        if key in seen or case.rule not in evaluation.rules:
            continue
        if case.is_open and case.status != PROPOSED and case.latest_month < m:
            event = Event(
                "propose", case.status, PROPOSED, username, m, note=f"{month_label(m)}未再预警"
            )
            changes.append((replace(case, status=PROPOSED), (event,)))
    return changes


# --- people's steps ----------------------------------------------------------------------------


def _is_assigner(user: R.User) -> bool:
    return bool(set(user.roles) & {R.LEADER, R.STAFF})


def can_see(case: Case, user: R.User) -> bool:
    """County roles see every case; a township officer only the cases of their townships."""
    if R.is_township_only(user.roles):
        return case.township is not None and case.township in user.townships
    return _is_assigner(user)


def visible_townships(user: R.User) -> frozenset[str] | None:
    """The townships whose cases the user sees; None for all (county roles)."""
    if R.is_township_only(user.roles):
        return frozenset(user.townships)
    return None if _is_assigner(user) else frozenset()


def _not_final(case: Case, doing: str) -> None:
    if not case.is_open:
        raise CaseError(f"该督办事项已{case.status},不能{doing}。")


def assign(
    case: Case,
    actor: R.User,
    *,
    owner_kind: str,
    owner: str,
    due_date: dt.date,
    note: str,
    today: dt.date,
    owner_user: R.User | None = None,
    township_name: str = "",
) -> Change:
    """派发 to a township officer (owner_kind "user", `owner_user` their account) or a section."""
    if not _is_assigner(actor):
        raise CaseError("只有局领导和科室人员可以派发督办事项。")
    _not_final(case, "派发")
    if due_date < today:
        raise CaseError(f"办理期限{due_date:%Y-%m-%d}早于今天（{today:%Y-%m-%d}），请重新选择。")
    where = township_name or case.township or ""
    if owner_kind == OFFICER:
        if owner_user is None:
            raise CaseError(f"用户{owner}不存在。")
        if R.TOWNSHIP not in owner_user.roles:
            raise CaseError(f"{owner_user.display_name}不是乡镇医保所人员,不能承办乡镇事项。")
        if case.township is None:
            raise CaseError("全县层面的事项请派发给股室。")
        if case.township not in owner_user.townships:
            raise CaseError(f"{owner_user.display_name}的管辖范围不含{where},请选择该乡镇的人员。")
    elif owner_kind == SECTION:
        if owner not in settings.CASE_SECTIONS:
            raise CaseError(f"未知股室:{owner}。")
    else:
        raise CaseError("请选择承办乡镇人员或股室。")
    status = PROPOSED if case.status == PROPOSED else DISPATCHED
    moved = replace(
        case,
        owner_kind=owner_kind,
        owner=owner,
        due_date=due_date,
        assigned_by=actor.username,
        status=status,
    )
    event = Event(
        "assign",
        case.status,
        status,
        actor.username,
        note=f"派发给{owner},期限{due_date:%Y-%m-%d}"
        + (f";{note.strip()}" if note.strip() else ""),
    )
    return moved, (event,)


def can_answer(case: Case, user: R.User) -> bool:
    """The township officer of the case's township, or (section cases) 科室人员."""
    if R.TOWNSHIP in user.roles and case.township is not None and case.township in user.townships:
        return True
    return case.owner_kind == SECTION and R.STAFF in user.roles


def answer(
    case: Case,
    actor: R.User,
    *,
    measures: str,
    progress: str,
    answer_date: dt.date,
    today: dt.date,
) -> Change:
    """整改答复: measures taken, progress, and the date they refer to."""
    if not can_answer(case, actor):
        raise CaseError("您不是该事项的承办人员,不能答复。")
    _not_final(case, "再答复")
    if case.status == NEW or case.owner is None:
        raise CaseError("该事项尚未派发,暂不能答复。")
    if not measures.strip():
        raise CaseError("请填写整改措施。")
    if answer_date > today:
        raise CaseError(f"答复日期{answer_date:%Y-%m-%d}晚于今天,请重新选择。")
    status = PROPOSED if case.status == PROPOSED else IN_PROGRESS
    event = Event(
        "answer",
        case.status,
        status,
        actor.username,
        measures=measures.strip(),
        progress=progress.strip(),
        answer_date=answer_date,
    )
    return replace(case, status=status), (event,)


def _may_decide(case: Case, actor: R.User) -> None:
    if not (
        R.LEADER in actor.roles or (_is_assigner(actor) and actor.username == case.assigned_by)
    ):
        raise CaseError("只有派发人或局领导可以办结、销号或退回。")


def close(case: Case, actor: R.User, *, outcome: str, note: str = "") -> Change:
    """已办结 (the work is done: needs an answer) or 已销号 (the warning has cleared)."""
    _may_decide(case, actor)
    _not_final(case, "重复办结")
    if outcome == CLOSED and case.status != PROPOSED:
        raise CaseError("预警尚未解除,不能销号;整改完成的请选择办结。")
    if outcome == DONE and case.status not in (IN_PROGRESS, PROPOSED):
        raise CaseError("承办人尚未答复,不能办结。")
    if outcome not in (DONE, CLOSED):
        raise CaseError("请选择办结或销号。")
    return replace(case, status=outcome), (
        Event("close", case.status, outcome, actor.username, note=note.strip()),
    )


def send_back(case: Case, actor: R.User, *, note: str) -> Change:
    """退回: the answer is not enough; the case goes back to its owner."""
    _may_decide(case, actor)
    _not_final(case, "退回")
    if case.status not in (IN_PROGRESS, PROPOSED) or case.owner is None:
        raise CaseError("只有已答复的事项可以退回。")
    if not note.strip():
        raise CaseError("请填写退回原因。")
    return replace(case, status=DISPATCHED), (
        Event("send_back", case.status, DISPATCHED, actor.username, note=note.strip()),
    )


def sort_for_desk(cases: Iterable[Case], today: dt.date) -> list[Case]:
    """Overdue first (most overdue first), then open before closed, 约谈 first, longest first."""

    def key(c: Case) -> tuple:
        late = (today - c.due_date).days if c.overdue(today) and c.due_date else -1
        return (not c.overdue(today), -late, not c.is_open, c.level != TALK, -c.consecutive)

    return sorted(cases, key=key)
