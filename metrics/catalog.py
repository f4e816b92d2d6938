"""Every indicator of the dashboard, declared once, with its formula.

Identifiers in compiled SQL come only from here; values (codes in `where`, filters, periods,
scopes) are bound parameters. Ratios are computed from summed numerators and denominators on the
aggregated frame, never as averages of ratios (the one exception, the simple mean price drop of
procurement, is how seed 004 reports 平均降幅 and says so).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import and_

from data_sources.schema import (
    assistance,
    drg_budget,
    drg_case,
    drg_group,
    enrollment,
    enrollment_target,
    fund_ledger,
    fund_opening_balance,
    institution,
    poverty_alert,
    proc_agreement,
    proc_batch,
    proc_product,
    proc_purchase,
    proc_retained,
    township,
    township_population,
)
from metrics import settings
from metrics.model import DeriveContext, DimBinding, Join, Metric, Model, period_end_date

# --- Shared dimension bindings ---------------------------------------------------------------


def _township_dim(code_col, joins: tuple[str, ...] = ()) -> DimBinding:
    return DimBinding(
        key=code_col,
        labels=(("township_name", township.c.name), ("township_order", township.c.sort_order)),
        joins=(*joins, "township"),
        label_key=township.c.code,
    )


def _institution_dim(code_col) -> DimBinding:
    return DimBinding(
        key=code_col,
        labels=(
            ("institution_name", institution.c.name),
            ("institution_kind", institution.c.kind),
            ("institution_level", institution.c.level),
        ),
        joins=("institution",),
        label_key=institution.c.code,
    )


def _code_dim(col) -> DimBinding:
    return DimBinding(key=col)


def _batch_dim(code_col, joins: tuple[str, ...]) -> DimBinding:
    return DimBinding(
        key=code_col,
        labels=(("batch_name", proc_batch.c.name), ("batch_level", proc_batch.c.level)),
        joins=joins,
        label_key=proc_batch.c.batch_code,
    )


def _product_dims(product_code_col) -> dict[str, DimBinding]:
    """Batch, level and product of a fact table keyed by product code (purchases, agreements)."""
    return {
        "batch": _batch_dim(proc_product.c.batch_code, ("product", "batch")),
        "level": DimBinding(key=proc_batch.c.level, joins=("product", "batch")),
        "product": DimBinding(
            key=product_code_col,
            labels=(("generic_name", proc_product.c.generic_name),),
            joins=("product",),
            label_key=proc_product.c.product_code,
        ),
    }


def _product_joins(product_code_col) -> dict[str, Join]:
    return {
        "product": Join(proc_product, proc_product.c.product_code == product_code_col),
        "batch": Join(
            proc_batch, proc_batch.c.batch_code == proc_product.c.batch_code, ("product",)
        ),
    }


def _inst_joins(code_col) -> dict[str, Join]:
    return {
        "institution": Join(institution, institution.c.code == code_col),
        "township": Join(
            township, township.c.code == institution.c.township_code, ("institution",)
        ),
    }


# --- Models ------------------------------------------------------------------------------------

MODELS: dict[str, Model] = {
    m.id: m
    for m in (
        Model(
            id="enrollment",
            table=enrollment,
            time="stock",
            year_col=enrollment.c.year,
            month_col=enrollment.c.month,
            dims={
                "township": _township_dim(enrollment.c.township_code),
                "scheme": _code_dim(enrollment.c.scheme),
                "person_group": _code_dim(enrollment.c.person_group),
                "month": _code_dim(enrollment.c.month),
            },
            joins={"township": Join(township, township.c.code == enrollment.c.township_code)},
        ),
        Model(
            id="enrollment_target",
            table=enrollment_target,
            time="yearly",
            year_col=enrollment_target.c.year,
            month_col=None,
            dims={
                "township": _township_dim(enrollment_target.c.township_code),
                "scheme": _code_dim(enrollment_target.c.scheme),
            },
            joins={
                "township": Join(township, township.c.code == enrollment_target.c.township_code)
            },
        ),
        Model(
            id="population",
            table=township_population,
            time="yearly",
            year_col=township_population.c.year,
            month_col=None,
            dims={"township": _township_dim(township_population.c.township_code)},
            joins={
                "township": Join(township, township.c.code == township_population.c.township_code)
            },
        ),
        Model(
            id="fund",
            table=fund_ledger,
            time="flow",
            year_col=fund_ledger.c.year,
            month_col=fund_ledger.c.month,
            dims={
                "scheme": _code_dim(fund_ledger.c.scheme),
                "flow": _code_dim(fund_ledger.c.flow),
                "item": _code_dim(fund_ledger.c.item),
                "month": _code_dim(fund_ledger.c.month),
            },
            township=None,  # the fund is pooled at county level
        ),
        Model(
            id="fund_opening",
            table=fund_opening_balance,
            time="yearly",
            year_col=fund_opening_balance.c.year,
            month_col=None,
            dims={"scheme": _code_dim(fund_opening_balance.c.scheme)},
            township=None,
        ),
        Model(
            id="assistance",
            table=assistance,
            time="flow",
            year_col=assistance.c.year,
            month_col=assistance.c.month,
            dims={
                "township": _township_dim(assistance.c.township_code),
                "category": _code_dim(assistance.c.category),
                "kind": _code_dim(assistance.c.kind),
                "month": _code_dim(assistance.c.month),
            },
            joins={"township": Join(township, township.c.code == assistance.c.township_code)},
        ),
        Model(
            id="poverty_alert",
            table=poverty_alert,
            time="flow",
            year_col=poverty_alert.c.year,
            month_col=poverty_alert.c.month,
            dims={
                "township": _township_dim(poverty_alert.c.township_code),
                "population_type": _code_dim(poverty_alert.c.population_type),
                "month": _code_dim(poverty_alert.c.month),
            },
            joins={"township": Join(township, township.c.code == poverty_alert.c.township_code)},
        ),
        Model(
            id="proc_purchase",
            table=proc_purchase,
            time="flow",
            year_col=proc_purchase.c.year,
            month_col=proc_purchase.c.month,
            dims={
                "township": _township_dim(institution.c.township_code, ("institution",)),
                "institution": _institution_dim(proc_purchase.c.institution_code),
                **_product_dims(proc_purchase.c.product_code),
                "month": _code_dim(proc_purchase.c.month),
            },
            joins={
                **_inst_joins(proc_purchase.c.institution_code),
                **_product_joins(proc_purchase.c.product_code),
            },
        ),
        Model(
            id="proc_agreement",
            table=proc_agreement,
            time="yearly",
            year_col=proc_agreement.c.year,
            month_col=None,
            dims={
                "township": _township_dim(institution.c.township_code, ("institution",)),
                "institution": _institution_dim(proc_agreement.c.institution_code),
                **_product_dims(proc_agreement.c.product_code),
            },
            joins={
                **_inst_joins(proc_agreement.c.institution_code),
                **_product_joins(proc_agreement.c.product_code),
            },
        ),
        Model(
            id="proc_retained",
            table=proc_retained,
            time="yearly",
            year_col=proc_retained.c.year,
            month_col=None,
            dims={
                "township": _township_dim(institution.c.township_code, ("institution",)),
                "institution": _institution_dim(proc_retained.c.institution_code),
                "batch": _batch_dim(proc_retained.c.batch_code, ("batch",)),
                "level": DimBinding(key=proc_batch.c.level, joins=("batch",)),
            },
            joins={
                **_inst_joins(proc_retained.c.institution_code),
                "batch": Join(proc_batch, proc_batch.c.batch_code == proc_retained.c.batch_code),
            },
        ),
        Model(
            id="proc_product",
            table=proc_product,
            time="yearly",
            # Products belong to batches, not years: a batch counts in every year it runs
            # up to the period's cut-off.
            year_col=None,
            month_col=None,
            period_filter=lambda p: and_(
                proc_batch.c.start_date <= period_end_date(p),
                proc_batch.c.end_date >= dt.date(p.year, 1, 1),
            ),
            period_joins=("batch",),
            dims={
                "batch": _batch_dim(proc_product.c.batch_code, ("batch",)),
                "level": DimBinding(key=proc_batch.c.level, joins=("batch",)),
            },
            joins={"batch": Join(proc_batch, proc_batch.c.batch_code == proc_product.c.batch_code)},
            township=None,
        ),
        Model(
            id="drg_case",
            table=drg_case,
            time="flow",
            year_col=drg_case.c.year,
            month_col=drg_case.c.month,
            dims={
                "township": _township_dim(institution.c.township_code, ("institution",)),
                "institution": _institution_dim(drg_case.c.hospital_code),
                "drg": DimBinding(
                    key=drg_case.c.drg_code,
                    labels=(("drg_name", drg_group.c.name),),
                    joins=("drg_group",),
                    label_key=drg_group.c.drg_code,
                ),
                "outlier": _code_dim(drg_case.c.outlier),
                "month": _code_dim(drg_case.c.month),
            },
            joins={
                **_inst_joins(drg_case.c.hospital_code),
                "drg_group": Join(drg_group, drg_group.c.drg_code == drg_case.c.drg_code),
            },
        ),
        Model(
            id="drg_budget",
            table=drg_budget,
            time="yearly",
            year_col=drg_budget.c.year,
            month_col=None,
            dims={
                "township": _township_dim(institution.c.township_code, ("institution",)),
                "institution": _institution_dim(drg_budget.c.hospital_code),
            },
            joins=_inst_joins(drg_budget.c.hospital_code),
        ),
    )
}

# --- Derivations (pure functions on the aggregated frame) --------------------------------------


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def ratio(num: str, den: str):
    """A derivation num/den from summed columns; division by zero gives NaN, never inf."""

    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        numerator, denominator = _values(frame, num), _values(frame, den)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = numerator / np.where(denominator == 0, np.nan, denominator)
        return pd.Series(values, index=frame.index)

    return compute


def _difference(a: str, b: str):
    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        values = np.nan_to_num(_values(frame, a)) - np.nan_to_num(_values(frame, b))
        return pd.Series(values, index=frame.index)

    return compute


def _shortfall(target: str, actual: str):
    """max(target − actual, 0); missing when either side is missing."""

    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        values = np.maximum(_values(frame, target) - _values(frame, actual), 0)
        return pd.Series(values, index=frame.index)

    return compute


def _one_minus_ratio(num: str, den: str):
    inner = ratio(num, den)

    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        return 1 - inner(frame, ctx)

    return compute


def _running(frame: pd.DataFrame, ctx: DeriveContext, column: str) -> pd.Series:
    """The year-to-date running sum of a monthly column when grouped by month, else the column."""
    values = pd.Series(np.nan_to_num(_values(frame, column)), index=frame.index)
    if "month" not in ctx.by:
        return values
    others = [d for d in ctx.by if d != "month"]
    if not others:  # one series of months: a cumulative sum in month order
        order = np.argsort(frame["month"].to_numpy(), kind="stable")
        running = np.empty(len(frame))
        running[order] = np.cumsum(values.to_numpy()[order])
        return pd.Series(running, index=frame.index)
    ordered = frame.assign(_v=values).sort_values("month")
    running = ordered.groupby(others, sort=False)["_v"].cumsum()
    return running.reindex(frame.index)


def _cumulative_balance(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
    # 累计结余 = 年初累计结余 + 本年累计收入 - 本年累计支出 (through the period's month).
    if ctx.period.mode != "ytd":
        return pd.Series(np.nan, index=frame.index)
    opening = frame["fund_opening_balance"].astype(float).fillna(0)
    return opening + _running(frame, ctx, "fund_income") - _running(frame, ctx, "fund_spending")


def _months_payable(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
    # 累计结余可支付月数 = 累计结余 / 本年月均支出 (average over the months of the period so far).
    balance = _cumulative_balance(frame, ctx)
    spent = _running(frame, ctx, "fund_spending")
    months = frame["month"].astype(float) if "month" in ctx.by else float(ctx.period.months)
    monthly = (spent / months).replace(0, np.nan)
    return balance / monthly


# --- Metrics -------------------------------------------------------------------------------------

_TWN = ("township",)
_TWN_INST = ("township", "institution")

METRICS: dict[str, Metric] = {
    m.id: m
    for m in (
        # 1. 参保扩面
        Metric(
            "enrolled",
            "参保人数",
            "截至期末本年度累计缴费参保人数 = Σ 参保人数(期末月)",
            "persons",
            "wan_persons",
            model="enrollment",
            agg="sum",
            expr=enrollment.c.enrolled,
        ),
        Metric(
            "enrolled_poverty",
            "脱贫人口和监测对象参保人数",
            "Σ 参保人数(人群=脱贫人口及监测对象, 期末月)",
            "persons",
            "persons",
            model="enrollment",
            agg="sum",
            expr=enrollment.c.enrolled,
            where=enrollment.c.person_group == "poverty",
        ),
        Metric(
            "enrolled_new_employment",
            "新就业形态人员参保人数",
            "Σ 参保人数(人群=新就业形态人员, 期末月)",
            "persons",
            "persons",
            model="enrollment",
            agg="sum",
            expr=enrollment.c.enrolled,
            where=enrollment.c.person_group == "new_employment",
        ),
        Metric(
            "enroll_target",
            "参保任务数",
            "Σ 年度参保任务数",
            "persons",
            "wan_persons",
            model="enrollment_target",
            agg="sum",
            expr=enrollment_target.c.target,
            higher_is_better=None,
        ),
        Metric(
            "registered_pop",
            "户籍人口",
            "Σ 户籍人口(年度)",
            "persons",
            "wan_persons",
            model="population",
            agg="sum",
            expr=township_population.c.registered,
            higher_is_better=None,
        ),
        Metric(
            "resident_pop",
            "常住人口",
            "Σ 常住人口(年度)",
            "persons",
            "wan_persons",
            model="population",
            agg="sum",
            expr=township_population.c.resident,
            higher_is_better=None,
        ),
        Metric(
            "poverty_pop",
            "脱贫人口和监测对象",
            "Σ 脱贫人口和监测对象人数(年度)",
            "persons",
            "persons",
            model="population",
            agg="sum",
            expr=township_population.c.poverty,
            higher_is_better=None,
        ),
        Metric(
            "enroll_completion",
            "任务完成率",
            "参保人数 ÷ 参保任务数",
            "ratio",
            "pct",
            kind="derived",
            inputs=("enrolled", "enroll_target"),
            compute=ratio("enrolled", "enroll_target"),
            # Residents follow the campaign curve, employees m/12, weighted by each row's targets.
            progress="enrollment",
            margin=settings.RAG_AMBER_PP,
        ),
        Metric(
            "enroll_gap",
            "距任务尚差人数",
            "max(参保任务数 − 参保人数, 0)",
            "persons",
            "persons",
            kind="derived",
            inputs=("enrolled", "enroll_target"),
            higher_is_better=False,
            compute=_shortfall("enroll_target", "enrolled"),
        ),
        Metric(
            "coverage_rate",
            "参保率",
            "参保人数(两险合计) ÷ 户籍人口(户籍人口口径); 目标≥95%(seed 001)",
            "ratio",
            "pct",
            kind="derived",
            inputs=("enrolled", "registered_pop"),
            compute=ratio("enrolled", "registered_pop"),
        ),
        Metric(
            "poverty_coverage_rate",
            "脱贫人口和监测对象参保率",
            "脱贫人口和监测对象参保人数 ÷ 脱贫人口和监测对象人数; 目标100%(seed 002)",
            "ratio",
            "pct",
            kind="derived",
            inputs=("enrolled_poverty", "poverty_pop"),
            compute=ratio("enrolled_poverty", "poverty_pop"),
        ),
        # 2. 基金收支 (county pool, no township)
        Metric(
            "fund_income",
            "基金收入",
            "Σ 收入项目金额(期内各月)",
            "yuan",
            "yi_yuan",
            model="fund",
            agg="sum",
            expr=fund_ledger.c.amount,
            where=fund_ledger.c.flow == "income",
            drill=(),
        ),
        Metric(
            "fund_spending",
            "基金支出",
            "Σ 支出项目金额(期内各月)",
            "yuan",
            "yi_yuan",
            model="fund",
            agg="sum",
            expr=fund_ledger.c.amount,
            where=fund_ledger.c.flow == "spending",
            higher_is_better=None,
            drill=(),
        ),
        Metric(
            "fund_amount",
            "收支金额",
            "Σ 收支项目金额(期内各月); 须按收支(flow)分组或筛选后使用,以万元列示项目和月度明细",
            "yuan",
            "wan_yuan",
            model="fund",
            agg="sum",
            expr=fund_ledger.c.amount,
            higher_is_better=None,
            drill=(),
        ),
        Metric(
            "fund_spending_county",
            "县域内基金支出",
            "Σ 支出项目金额(不含县域外医疗机构、由市局统一做账的部分); seed 002 的“基金支出”口径",
            "yuan",
            "yi_yuan",
            model="fund",
            agg="sum",
            expr=fund_ledger.c.amount,
            where=and_(fund_ledger.c.flow == "spending", fund_ledger.c.item != "out_of_county"),
            higher_is_better=None,
            drill=(),
        ),
        Metric(
            "fund_visits",
            "医保报销人次",
            "Σ 支出项目结算人次(期内各月)",
            "person_times",
            "wan_person_times",
            model="fund",
            agg="sum",
            expr=fund_ledger.c.person_times,
            where=fund_ledger.c.flow == "spending",
            drill=(),
        ),
        Metric(
            "fund_visits_county",
            "县域内医保报销人次",
            "Σ 支出项目结算人次(不含县域外医疗机构、由市局统一做账的部分); seed 002 的“医保报销人次”口径",
            "person_times",
            "wan_person_times",  # seed 002: 医保报销59.16万人次
            model="fund",
            agg="sum",
            expr=fund_ledger.c.person_times,
            where=and_(fund_ledger.c.flow == "spending", fund_ledger.c.item != "out_of_county"),
            drill=(),
        ),
        Metric(
            "fund_opening_balance",
            "年初累计结余",
            "上年末累计结余",
            "yuan",
            "yi_yuan",
            model="fund_opening",
            agg="sum",
            expr=fund_opening_balance.c.amount,
            drill=(),
        ),
        Metric(
            "fund_current_balance",
            "当期结余",
            "基金收入 − 基金支出",
            "yuan",
            "yi_yuan",
            kind="derived",
            inputs=("fund_income", "fund_spending"),
            compute=_difference("fund_income", "fund_spending"),
            drill=(),
        ),
        Metric(
            "fund_cumulative_balance",
            "累计结余",
            "年初累计结余 + 本年累计收入 − 本年累计支出",
            "yuan",
            "yi_yuan",
            kind="derived",
            inputs=("fund_opening_balance", "fund_income", "fund_spending"),
            compute=_cumulative_balance,
            drill=(),
        ),
        Metric(
            "fund_months_payable",
            "累计结余可支付月数",
            "累计结余 ÷ (本年累计支出 ÷ 已过月数)",
            "months",
            "months",
            kind="derived",
            inputs=("fund_opening_balance", "fund_income", "fund_spending"),
            compute=_months_payable,
            higher_is_better=None,
            drill=(),
        ),
        Metric(
            "fund_usage_rate",
            "基金使用率",
            "基金支出 ÷ 基金收入",
            "ratio",
            "pct",
            kind="derived",
            inputs=("fund_spending", "fund_income"),
            compute=ratio("fund_spending", "fund_income"),
            higher_is_better=None,
            drill=(),
        ),
        # 3. 医疗救助 (sensitive: named poor households)
        Metric(
            "assist_amount",
            "医疗救助金额",
            "Σ 救助支付金额",
            "yuan",
            "wan_yuan",
            model="assistance",
            agg="sum",
            expr=assistance.c.amount,
            sensitive=True,
            count_metric="assist_times",
            higher_is_better=None,
        ),
        Metric(
            "assist_times",
            "医疗救助人次",
            "救助支付笔数(人次)",
            "person_times",
            "person_times",
            model="assistance",
            agg="count",
            expr=assistance.c.record_id,
            sensitive=True,
            higher_is_better=None,
        ),
        Metric(
            "assist_persons",
            "医疗救助人数",
            "救助对象去重人数",
            "persons",
            "persons",
            model="assistance",
            agg="count_distinct",
            expr=assistance.c.person_key,
            sensitive=True,
            higher_is_better=None,
        ),
        Metric(
            "premium_persons",
            "资助参保人数",
            "资助参保对象去重人数",
            "persons",
            "persons",
            model="assistance",
            agg="count_distinct",
            expr=assistance.c.person_key,
            where=assistance.c.kind == "premium",
            sensitive=True,
            higher_is_better=None,
        ),
        Metric(
            "premium_coverage",
            "资助参保覆盖率",
            "资助参保人数 ÷ 脱贫人口和监测对象人数(资助对象以此为主,口径为本系统约定)",
            "ratio",
            "pct",
            kind="derived",
            inputs=("premium_persons", "poverty_pop"),
            compute=ratio("premium_persons", "poverty_pop"),
        ),
        Metric(
            "alert_persons",
            "防返贫监测预警人数",
            "预警推送去重人数(个人年度累计自付超标)",
            "persons",
            "persons",
            model="poverty_alert",
            agg="count_distinct",
            expr=poverty_alert.c.person_key,
            sensitive=True,
            higher_is_better=False,
        ),
        # 4. 集中带量采购
        Metric(
            "proc_agreed",
            "约定采购量",
            "Σ 年度约定采购量",
            "volume",
            "int",
            model="proc_agreement",
            agg="sum",
            expr=proc_agreement.c.agreed_volume,
            drill=_TWN_INST,
            higher_is_better=None,
        ),
        Metric(
            "proc_purchased",
            "实际采购量",
            "Σ 期内实际采购量",
            "volume",
            "int",
            model="proc_purchase",
            agg="sum",
            expr=proc_purchase.c.volume,
            drill=_TWN_INST,
        ),
        Metric(
            "proc_progress",
            "采购进度",
            "实际采购量 ÷ 约定采购量",
            "ratio",
            "pct",
            kind="derived",
            inputs=("proc_purchased", "proc_agreed"),
            compute=ratio("proc_purchased", "proc_agreed"),
            drill=_TWN_INST,
            # Yearly agreed volumes: m/12; more than PROCUREMENT_LAG_PP behind is 滞后 (seed 004).
            progress="linear",
            margin=settings.PROCUREMENT_LAG_PP,
        ),
        Metric(
            "proc_savings",
            "节约资金",
            "Σ (集采前单价 − 中选单价) × 采购量",
            "yuan",
            "wan_yuan",
            model="proc_purchase",
            agg="sum",
            expr=proc_purchase.c.volume
            * (proc_product.c.price_before - proc_product.c.price_after),
            drill=_TWN_INST,
            joins=("product",),
        ),
        Metric(
            "proc_spend_before",
            "按集采前价格计算金额",
            "Σ 集采前单价 × 采购量",
            "yuan",
            "wan_yuan",
            model="proc_purchase",
            agg="sum",
            expr=proc_purchase.c.volume * proc_product.c.price_before,
            higher_is_better=None,
            drill=_TWN_INST,
            joins=("product",),
        ),
        Metric(
            "proc_spend_after",
            "采购金额",
            "Σ 中选单价 × 采购量",
            "yuan",
            "wan_yuan",
            model="proc_purchase",
            agg="sum",
            expr=proc_purchase.c.volume * proc_product.c.price_after,
            higher_is_better=None,
            drill=_TWN_INST,
            joins=("product",),
        ),
        Metric(
            "proc_weighted_drop",
            "加权平均降幅",
            "1 − Σ中选价×量 ÷ Σ集采前价×量",
            "ratio",
            "pct",
            kind="derived",
            inputs=("proc_spend_after", "proc_spend_before"),
            compute=_one_minus_ratio("proc_spend_after", "proc_spend_before"),
            drill=_TWN_INST,
        ),
        Metric(
            "proc_avg_drop",
            "平均降幅(按品种)",
            "各中选产品降幅 (1 − 中选价/集采前价) 的算术平均 (seed 004 的口径)",
            "ratio",
            "pct",
            model="proc_product",
            agg="avg",
            expr=1 - proc_product.c.price_after / proc_product.c.price_before,
            drill=(),
        ),
        Metric(
            "proc_products",
            "中选产品数",
            "中选产品个数",
            "count",
            "int",
            model="proc_product",
            agg="count",
            expr=proc_product.c.product_code,
            drill=(),
            higher_is_better=None,
        ),
        Metric(
            "proc_retained",
            "结余留用金额",
            "Σ 年度结余留用金额",
            "yuan",
            "wan_yuan",
            model="proc_retained",
            agg="sum",
            expr=proc_retained.c.amount,
            drill=_TWN_INST,
        ),
        Metric(
            "proc_retained_insts",
            "结余留用机构数",
            "获得结余留用的机构个数",
            "count",
            "int",
            model="proc_retained",
            agg="count_distinct",
            expr=proc_retained.c.institution_code,
            drill=_TWN,
        ),
        # 5. DRG 付费
        Metric(
            "drg_budget",
            "DRG付费预算",
            "Σ 年度DRG付费预算",
            "yuan",
            "wan_yuan",
            model="drg_budget",
            agg="sum",
            expr=drg_budget.c.budget,
            drill=_TWN_INST,
            higher_is_better=None,
        ),
        Metric(
            "drg_paid",
            "DRG基金支付",
            "Σ 期内DRG基金支付",
            "yuan",
            "wan_yuan",
            model="drg_case",
            agg="sum",
            expr=drg_case.c.fund_paid,
            drill=_TWN_INST,
            higher_is_better=None,
        ),
        Metric(
            "drg_paid_cumulative",
            "累计DRG基金支付",
            "年初至各月末累计DRG基金支付 = Σ 1月至当月DRG基金支付(按月分组时逐月累计)",
            "yuan",
            "wan_yuan",
            kind="derived",
            inputs=("drg_paid",),
            compute=lambda f, c: _running(f, c, "drg_paid"),
            drill=_TWN_INST,
            higher_is_better=None,
        ),
        Metric(
            "drg_execution",
            "预算执行率",
            "DRG基金支付 ÷ DRG付费预算; 与时序进度比较,超进度为不利",
            "ratio",
            "pct",
            kind="derived",
            inputs=("drg_paid", "drg_budget"),
            compute=ratio("drg_paid", "drg_budget"),
            higher_is_better=False,
            drill=_TWN_INST,
            # A yearly budget paid m/12; paying more than DRG_OVER_PACE_PP ahead is 超进度.
            progress="linear",
            margin=settings.DRG_OVER_PACE_PP,
            red_label="超进度",
        ),
        Metric(
            "drg_cases",
            "出院病例数",
            "DRG结算病例数",
            "count",
            "int",
            model="drg_case",
            agg="count",
            expr=drg_case.c.case_id,
            drill=_TWN_INST,
            higher_is_better=None,
        ),
        Metric(
            "drg_weight",
            "总权重",
            "Σ 病例权重",
            "weight",
            "decimal",
            model="drg_case",
            agg="sum",
            expr=drg_case.c.weight,
            drill=_TWN_INST,
            higher_is_better=None,
        ),
        Metric(
            "drg_cost",
            "住院总费用",
            "Σ 住院总费用",
            "yuan",
            "wan_yuan",
            model="drg_case",
            agg="sum",
            expr=drg_case.c.total_cost,
            drill=_TWN_INST,
            higher_is_better=None,
        ),
        # CMI is an average weight, not a share: its 同比 is a growth rate, not percentage points.
        Metric(
            "drg_cmi",
            "CMI",
            "总权重 ÷ 病例数",
            "weight",
            "decimal",
            kind="derived",
            inputs=("drg_weight", "drg_cases"),
            compute=ratio("drg_weight", "drg_cases"),
            drill=_TWN_INST,
        ),
        Metric(
            "drg_cost_per_weight",
            "每权重费用",
            "住院总费用 ÷ 总权重",
            "yuan",
            "yuan",
            kind="derived",
            inputs=("drg_cost", "drg_weight"),
            compute=ratio("drg_cost", "drg_weight"),
            higher_is_better=False,
            drill=_TWN_INST,
        ),
        Metric(
            "drg_avg_cost",
            "次均住院费用",
            "住院总费用 ÷ 病例数",
            "yuan",
            "yuan",
            kind="derived",
            inputs=("drg_cost", "drg_cases"),
            compute=ratio("drg_cost", "drg_cases"),
            higher_is_better=False,
            drill=_TWN_INST,
        ),
        Metric(
            "drg_high_outliers",
            "高倍率病例数",
            "结算类型为高倍率的病例数",
            "count",
            "int",
            model="drg_case",
            agg="count",
            expr=drg_case.c.case_id,
            where=drg_case.c.outlier == "high",
            drill=_TWN_INST,
            higher_is_better=False,
        ),
    )
}


def metric(metric_id: str) -> Metric:
    try:
        return METRICS[metric_id]
    except KeyError:
        raise KeyError(f"未声明的指标:{metric_id}") from None
