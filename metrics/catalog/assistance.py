"""医疗救助: assistance paid, persons and person-times, premium subsidies, poverty-return alerts."""

from __future__ import annotations

from data_sources.schema import (
    assistance,
    poverty_alert,
)
from metrics.catalog.kinds import ratio, simple
from metrics.model import Metric

METRICS: tuple[Metric, ...] = (
    # 3. 医疗救助 (sensitive: named poor households)
    simple(
        "assist_amount",
        label="医疗救助金额",
        description="Σ 救助支付金额",
        unit="yuan",
        fmt="wan_yuan",
        model="assistance",
        agg="sum",
        expr=assistance.c.amount,
        sensitive=True,
        count_metric="assist_times",
        higher_is_better=None,
    ),
    simple(
        "assist_times",
        label="医疗救助人次",
        description="救助支付笔数(人次)",
        unit="person_times",
        fmt="person_times",
        model="assistance",
        agg="count",
        expr=assistance.c.record_id,
        sensitive=True,
        higher_is_better=None,
    ),
    simple(
        "assist_persons",
        label="医疗救助人数",
        description="救助对象去重人数",
        unit="persons",
        fmt="persons",
        model="assistance",
        agg="count_distinct",
        expr=assistance.c.person_key,
        sensitive=True,
        higher_is_better=None,
    ),
    simple(
        "premium_persons",
        label="资助参保人数",
        description="资助参保对象去重人数",
        unit="persons",
        fmt="persons",
        model="assistance",
        agg="count_distinct",
        expr=assistance.c.person_key,
        where=assistance.c.kind == "premium",
        sensitive=True,
        higher_is_better=None,
    ),
    ratio(
        "premium_coverage",
        label="资助参保覆盖率",
        description="资助参保人数 ÷ 脱贫人口和监测对象人数(资助对象以此为主,口径为本系统约定)",
        unit="ratio",
        fmt="pct",
        num="premium_persons",
        den="poverty_pop",
    ),
    simple(
        "alert_persons",
        label="防返贫监测预警人数",
        description="预警推送去重人数(个人年度累计自付超标)",
        unit="persons",
        fmt="persons",
        model="poverty_alert",
        agg="count_distinct",
        expr=poverty_alert.c.person_key,
        sensitive=True,
        higher_is_better=False,
    ),
)
