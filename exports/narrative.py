"""The report paragraph in 公文 style (seed 002 §一), every figure from the metrics layer.

    2023年1-10月，全县基本医疗保险缴费参保人数94.52万人，其中城乡居民医保83.68万人，城镇职工医保
    10.84万人。基金收入9.28亿元（其中财政配套部分由市局统一做账），其中居民医保5.56亿元，职工医保
    3.72亿元。基金支出4.04亿元（仅县域内医疗机构数据，县域外医疗机构由市局统一做账），其中居民医保
    2.62亿元，职工医保1.42亿元，医保报销59.16万人次。参保人数完成全年任务数的94.50%。…

Full-width punctuation, amounts in 亿元 from one 亿 up and 万元 below, persons in 万人 for the
county and whole persons for a township, 同比 with 增长/下降 (个百分点 for rates) when the previous
year has data. An area without data for the period is left out. Wording choices (units, notes,
scope words) come from exports.wording, adjustable without code.

`fetch` runs a QuerySpec for the viewer (pages pass `service.fetch`, tests a lambda around
`metrics.execute.execute`), so a township viewer's paragraph holds only its scope. The fund is
pooled at county level and has no township dimension: a township's paragraph says so instead of
quoting county figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from exports import wording as W
from metrics import compare, present
from metrics.execute import Result
from metrics.model import Period, QuerySpec

Fetch = Callable[[QuerySpec], Result]
FUND_POOLED_NOTE = W.full_width(W.Wording().fund_pooled_note)
COUNTY_SPENDING_NOTE = W.full_width(W.Wording().county_spending_note)
SCHEMES = (("resident", "城乡居民医保"), ("employee", "城镇职工医保"))
FUND_SCHEMES = (("resident", "居民医保"), ("employee", "职工医保"))


def _by_scheme(result: Result, metric_id: str) -> dict[str, float]:
    frame = result.frame
    if frame.empty or "scheme" not in frame.columns or metric_id not in frame.columns:
        return {}
    return {
        str(s): float(v) for s, v in zip(frame["scheme"], frame[metric_id], strict=True) if v == v
    }


def _yoy(fetch: Fetch, spec: QuerySpec, metric_id: str, value: float | None) -> str:
    """',同比增长3.20%' against the same period of the previous year; '' without a base."""
    previous = fetch(spec.with_period(spec.period.previous_year())).value(metric_id)
    rate = compare.is_rate(metric_id)
    phrase = W.change(compare.change(value, previous, rate), rate)
    return f",{phrase}" if phrase else ""


def scope_name(fetch: Fetch, period: Period, township: str | None, level: str = "县") -> str:
    """'全县' / '全区' / '全市' for the region (its level), or the township's own name."""
    if township is None:
        return W.scope_word(level)
    frame = fetch(QuerySpec.make(["enrolled"], period, ["township"], {"township": township})).frame
    if not frame.empty and "township_name" in frame.columns:
        return str(frame["township_name"].iloc[0])
    return str(township)


def _enrollment(fetch: Fetch, period: Period, where: dict, scope: str) -> str:
    spec = QuerySpec.make(["enrolled"], period, (), where)
    result = fetch(spec)
    enrolled = result.value("enrolled")
    if enrolled is None:
        return ""
    # The result's level: whole persons for a township (or a viewer who sees only townships).
    level = result.level
    schemes = _by_scheme(fetch(QuerySpec.make(["enrolled"], period, ["scheme"], where)), "enrolled")
    text = f"{scope}基本医疗保险缴费参保人数{W.persons('enrolled', enrolled, level)}"
    text += _yoy(fetch, spec, "enrolled", enrolled)
    parts = [
        f"{name}{W.persons('enrolled', schemes[code], level)}"
        for code, name in SCHEMES
        if code in schemes
    ]
    return text + (",其中" + ",".join(parts) if parts else "") + "。"


def _completion(fetch: Fetch, period: Period, where: dict) -> str:
    value = fetch(QuerySpec.make(["enroll_completion"], period, (), where)).value(
        "enroll_completion"
    )
    if value is None:
        return ""
    return f"参保人数完成全年任务数的{present.plain_text('enroll_completion', value)}。"


def _fund_sentence(
    fetch: Fetch, period: Period, metric_id: str, lead: str, note: str, w: W.Wording
) -> str:
    spec = QuerySpec.make([metric_id], period, (), {})
    total = fetch(spec).value(metric_id)
    if total is None:
        return ""
    split = _by_scheme(fetch(QuerySpec.make([metric_id], period, ["scheme"], {})), metric_id)
    text = f"{lead}{W.amount(total, w)}{note}" + _yoy(fetch, spec, metric_id, total)
    parts = [f"{n}{W.amount(split[c], w)}" for c, n in FUND_SCHEMES if c in split]
    return text + (",其中" + ",".join(parts) if parts else "")


def _fund(fetch: Fetch, period: Period, w: W.Wording) -> str:
    out = ""
    income = _fund_sentence(fetch, period, "fund_income", "基金收入", w.income_note, w)
    if income:
        out += income + "。"
    spending = _fund_sentence(
        fetch, period, "fund_spending_county", "基金支出", w.county_spending_note, w
    )
    if spending:
        visits = fetch(QuerySpec.make(["fund_visits_county"], period, (), {})).value(
            "fund_visits_county"
        )
        if visits is not None:
            spending += f",医保报销{W.person_times(visits, township=False, w=w)}"
        out += spending + "。"
    return out


def _assistance(fetch: Fetch, period: Period, where: dict, w: W.Wording) -> str:
    spec = QuerySpec.make(["assist_times", "assist_amount"], period, (), where)
    result = fetch(spec)
    times, amount = result.value("assist_times"), result.value("assist_amount")
    if times is None and amount is None:
        return w.hidden_assistance if result.suppressed else ""
    if not times and not amount:
        return ""  # never "医疗救助0人次"
    parts = []
    if times:
        below = result.level != "county"
        parts.append(f"医疗救助{W.person_times(times, township=below, w=w)}")
    if amount:
        lead = "支付金额" if parts else "医疗救助支付金额"
        parts.append(f"{lead}{W.amount(amount, w)}" + _yoy(fetch, spec, "assist_amount", amount))
    return ",".join(parts) + "。"


def _drg(fetch: Fetch, period: Period, where: dict, lead: str, w: W.Wording) -> str:
    spec = QuerySpec.make(["drg_execution", "drg_paid", "drg_budget"], period, (), where)
    # Time progress from the metric's own curve (the spec's comparison), as on the DRG page.
    result = fetch(replace(spec, compare=("expected",)))
    rate, paid, budget = (result.value(m) for m in ("drg_execution", "drg_paid", "drg_budget"))
    if rate is None or not budget:
        return ""
    expected = result.value("drg_execution_expected")
    return (
        f"{lead}DRG付费预算{W.amount(budget, w)},已支付{W.amount(paid or 0, w)},"
        f"预算执行率{present.plain_text('drg_execution', rate)}"
        f"(时序进度{present.plain_text('drg_execution', expected)})"
        + _yoy(fetch, spec, "drg_execution", rate)
        + "。"
    )


def _procurement(fetch: Fetch, period: Period, where: dict, lead: str, w: W.Wording) -> str:
    result = fetch(QuerySpec.make(["proc_savings", "proc_progress"], period, (), where))
    savings, progress = result.value("proc_savings"), result.value("proc_progress")
    parts = []
    if progress is not None:
        parts.append(f"约定采购量完成{present.plain_text('proc_progress', progress)}")
    if savings:
        parts.append(f"节约资金{W.amount(savings, w)}")
    return f"{lead}集中带量采购" + ",".join(parts) + "。" if parts else ""


def report_paragraph(
    fetch: Fetch,
    period: Period,
    township: str | None = None,
    *,
    scope_label: str | None = None,
    level: str = "县",
) -> str:
    """The §一 paragraph for the period and scope (a township code, or None for the region).

    `level` is the region's level (县/区/市), which names the scope 全县/全区/全市;
    `scope_label` overrides the scope's name (e.g. '向塘镇'). Areas without data for the period
    are left out; an empty string when no area has data.
    """
    w = W.wording()
    where = {"township": township} if township else {}
    if township is None and scope_label in (None, "全县"):
        scope_label = None  # the page's default label: name the scope by the region's level
    scope = scope_label or scope_name(fetch, period, township, level)
    lead = w.township_institutions if township else ""
    sentences = [
        _enrollment(fetch, period, where, scope),
        _fund(fetch, period, w) if township is None else w.fund_pooled_note,
        _completion(fetch, period, where),
        _assistance(fetch, period, where, w),
        _drg(fetch, period, where, lead, w),
        _procurement(fetch, period, where, lead, w),
    ]
    body = "".join(sentences)
    if not body or body == w.fund_pooled_note:
        return ""
    if not sentences[0]:
        body = f"{scope}:" + body  # no enrollment sentence to carry the scope
    return W.full_width(f"{period.label()}," + body)
