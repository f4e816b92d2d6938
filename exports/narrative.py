"""The report paragraph in the bureau's style (seed 002 §一), every figure from the metrics layer.

    2023年1-10月,全县基本医疗保险缴费参保人数94.52万人,其中城乡居民医保83.68万人,城镇职工医保
    10.84万人,完成任务数的94.50%。基金收入9.28亿,其中居民医保5.56亿,职工医保3.72亿。基金支出
    4.04亿元(仅县域内医疗机构数据,县域外医疗机构由市局统一做账),其中居民医保2.62亿,职工医保1.42亿,
    医保报销59.16万人次。医疗救助19429人次,支付金额1456.85万元。…

`fetch` runs a QuerySpec for the viewer (pages pass `service.fetch`, tests a lambda around
`metrics.execute.execute`), so a township viewer's paragraph holds only its scope. The fund is
pooled at county level and has no township dimension: a township's paragraph says so instead of
quoting county figures.
"""

from __future__ import annotations

from collections.abc import Callable

from metrics import compare, present, units
from metrics.execute import Result
from metrics.model import Period, QuerySpec

Fetch = Callable[[QuerySpec], Result]
FUND_POOLED_NOTE = "医保基金实行县级统筹,基金收支按全县统计,不分乡镇列示。"
COUNTY_SPENDING_NOTE = "(仅县域内医疗机构数据,县域外医疗机构由市局统一做账)"


def _two(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _wan_persons(value: float | None) -> str | None:
    """'94.52' (万人, two decimals, half-up)."""
    return _two(present.scaled("enrolled", value))


def _yi(metric_id: str, value: float | None) -> str | None:
    """'9.28' (亿, two decimals, half-up)."""
    return _two(present.scaled(metric_id, value))


def _count(value: float | None) -> str | None:
    """'19429': whole number without separators, as the seed writes 人次."""
    return None if value is None else str(int(units.round_half_up(value, 0)))


def _by_scheme(result: Result, metric_id: str) -> dict[str, float]:
    frame = result.frame
    if frame.empty or "scheme" not in frame.columns or metric_id not in frame.columns:
        return {}
    return {
        str(s): float(v) for s, v in zip(frame["scheme"], frame[metric_id], strict=True) if v == v
    }


def _scope_name(fetch: Fetch, period: Period, township: str | None) -> str:
    if township is None:
        return "全县"
    frame = fetch(QuerySpec.make(["enrolled"], period, ["township"], {"township": township})).frame
    if not frame.empty and "township_name" in frame.columns:
        return str(frame["township_name"].iloc[0])
    return str(township)


def _enrollment(fetch: Fetch, period: Period, where: dict, scope: str) -> str:
    total = fetch(QuerySpec.make(["enrolled", "enroll_completion"], period, (), where))
    enrolled = total.value("enrolled")
    if enrolled is None:
        return f"{scope}暂无参保数据。"
    schemes = _by_scheme(fetch(QuerySpec.make(["enrolled"], period, ["scheme"], where)), "enrolled")
    text = f"{scope}基本医疗保险缴费参保人数{_wan_persons(enrolled)}万人"
    parts = [
        f"{name}{_wan_persons(schemes[code])}万人"
        for code, name in (("resident", "城乡居民医保"), ("employee", "城镇职工医保"))
        if code in schemes
    ]
    if parts:
        text += ",其中" + ",".join(parts)
    completion = total.value("enroll_completion")
    if completion is not None:
        text += f",完成任务数的{present.text('enroll_completion', completion)}"
    return text + "。"


def _fund(fetch: Fetch, period: Period) -> str:
    ids = ["fund_income", "fund_spending_county"]
    total = fetch(QuerySpec.make(ids, period, (), {}))
    by_scheme = fetch(QuerySpec.make(ids, period, ["scheme"], {}))
    income, spending = total.value("fund_income"), total.value("fund_spending_county")
    if income is None and spending is None:
        return ""
    names = (("resident", "居民医保"), ("employee", "职工医保"))
    out = ""
    if income is not None:
        split = _by_scheme(by_scheme, "fund_income")
        out += f"基金收入{_yi('fund_income', income)}亿"
        parts = [f"{n}{_yi('fund_income', split[c])}亿" for c, n in names if c in split]
        out += (",其中" + ",".join(parts) if parts else "") + "。"
    if spending is not None:
        split = _by_scheme(by_scheme, "fund_spending_county")
        out += f"基金支出{_yi('fund_spending_county', spending)}亿元{COUNTY_SPENDING_NOTE}"
        parts = [f"{n}{_yi('fund_spending_county', split[c])}亿" for c, n in names if c in split]
        out += ",其中" + ",".join(parts) if parts else ""
        visits = fetch(QuerySpec.make(["fund_visits_county"], period, (), {})).value(
            "fund_visits_county"
        )
        if visits is not None:
            out += f",医保报销{_two(units.round_half_up(units.persons_to_wan(visits), 2))}万人次"
        out += "。"
    return out


def _assistance(fetch: Fetch, period: Period, where: dict) -> str:
    result = fetch(QuerySpec.make(["assist_times", "assist_amount"], period, (), where))
    times, amount = result.value("assist_times"), result.value("assist_amount")
    if times is None and amount is None:
        if result.suppressed:
            return (
                f"医疗救助{present.text('assist_times', None, suppressed=True)}人次"
                "(人数较少,为保护个人信息不予列示)。"
            )
        return ""
    out = f"医疗救助{_count(times)}人次" if times is not None else "医疗救助"
    if amount is not None:
        out += f",支付金额{_two(present.scaled('assist_amount', amount))}万元"
    return out + "。"


def _drg(fetch: Fetch, period: Period, where: dict, lead: str = "") -> str:
    result = fetch(QuerySpec.make(["drg_execution", "drg_paid", "drg_budget"], period, (), where))
    rate = result.value("drg_execution")
    if rate is None:
        return ""
    expected = compare.linear_expected(period)
    paid = present.text("drg_paid", result.value("drg_paid"))
    budget = present.text("drg_budget", result.value("drg_budget"))
    return (
        f"{lead}DRG付费预算{budget},已支付{paid},预算执行率{present.text('drg_execution', rate)}"
        f"(时序进度{present.text('drg_execution', expected)})。"
    )


def _procurement(fetch: Fetch, period: Period, where: dict, lead: str = "") -> str:
    result = fetch(QuerySpec.make(["proc_savings", "proc_progress"], period, (), where))
    savings, progress = result.value("proc_savings"), result.value("proc_progress")
    if savings is None and progress is None:
        return ""
    parts = []
    if progress is not None:
        parts.append(f"约定采购量完成{present.text('proc_progress', progress)}")
    if savings is not None:
        parts.append(f"节约资金{present.text('proc_savings', savings)}")
    return f"{lead}集中带量采购" + ",".join(parts) + "。"


def report_paragraph(
    fetch: Fetch, period: Period, township: str | None = None, *, scope_label: str | None = None
) -> str:
    """The §一 paragraph for the period and scope (a township code, or None for the county).

    `scope_label` overrides the scope's name (e.g. '向塘镇'); by default it is '全县' or the
    township's name from the warehouse.
    """
    where = {"township": township} if township else {}
    scope = scope_label or _scope_name(fetch, period, township)
    text = f"{period.label()}," + _enrollment(fetch, period, where, scope)
    if township is None:
        text += _fund(fetch, period)
    else:
        text += FUND_POOLED_NOTE
    text += _assistance(fetch, period, where)
    lead = "辖区内定点医疗机构" if township else ""
    text += _drg(fetch, period, where, lead)
    text += _procurement(fetch, period, where, lead)
    return text
