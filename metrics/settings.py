"""Policy thresholds and tunables of the metrics layer: the ONE place to change them.

Every value here is a setting, not a law of nature: DOMAIN.md asks that each band carries its
source, because provinces and counties differ. Change a value here (or override it in a local
settings module later), never copy the number into a page.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

# --- 时序进度 assessment -------------------------------------------------------------------

# Setting. Source: 局内约定 (bureau convention) for red/amber/green against 时序进度; adjustable.
# A ratio difference: 0.05 = 5 percentage points behind time progress is still amber.
RAG_AMBER_PP: float = 0.05

# Setting. Source: DOMAIN.md "时序进度": employees accrue monthly, so the plan expects m/12.
EMPLOYEE_PLAN: str = "linear"

# Setting. Cumulative expected share of the resident annual target by the END of each month.
# Source: DOMAIN.md, residents pay in the campaign from September of the previous year to
# February (seed 004: the 2024 campaign was extended to 29 Feb 2024), so the year is mostly
# complete by March. The 85% / 97% shares are a local assumption; adjustable.
RESIDENT_CAMPAIGN_PLAN: dict[int, float] = {
    1: 0.85,
    2: 0.97,
    **{month: 1.0 for month in range(3, 13)},
}

# --- 基金 months payable -------------------------------------------------------------------


@dataclass(frozen=True)
class MonthsBand:
    """Bands for 累计结余可支付月数, in months; ``source`` says where the numbers come from.

    Reading: below ``low_alert`` too little (red), ``low_alert``..``reasonable_low`` low (amber),
    ``reasonable_low``..``reasonable_high`` reasonable (green), up to ``high_alert`` high
    (amber), above ``high_alert`` too much kept (red).
    """

    low_alert: float = 3
    reasonable_low: float = 6
    reasonable_high: float = 9
    high_alert: float = 15
    source: str = ""

    def __post_init__(self) -> None:
        bounds = (self.low_alert, self.reasonable_low, self.reasonable_high, self.high_alert)
        if bounds[0] < 0 or any(a > b for a, b in itertools.pairwise(bounds)):
            raise ValueError(
                "可支付月数区间设置有误:须满足 0 ≤ 预警下限 ≤ 合理下限 ≤ 合理上限 ≤ 预警上限,"
                f"当前为 {bounds}。"
            )


# Setting, keyed by scheme code. Source: 人社部发〔2009〕67号 as quoted in DOMAIN.md; to be
# confirmed against the local (provincial) rule before the figures are used in a report.
MONTHS_PAYABLE_BANDS: dict[str, MonthsBand] = {
    "employee": MonthsBand(
        3,
        6,
        9,
        15,
        source="人社部发〔2009〕67号:6-9个月合理,超过15个月结余过多,低于3个月结余不足(各地规定不同,以本地规定为准)",
    ),
    # The resident scheme's own rule is about shares of the year's funding (see the two shares
    # below); the same months band is shown so both schemes read alike on the overview.
    "resident": MonthsBand(
        3,
        6,
        9,
        15,
        source="参照职工医保6-9个月区间;居民医保另有当期结余≤15%、累计结余≤25%的规定(各地规定不同,以本地规定为准)",
    ),
}

# Setting. Source: DOMAIN.md (residents' scheme): yearly surplus ≤ 15% of the year's funding.
RESIDENT_MAX_CURRENT_SURPLUS_SHARE: float = 0.15

# Setting. Source: DOMAIN.md (residents' scheme): cumulative balance ≤ 25% of the year's funding.
RESIDENT_MAX_CUMULATIVE_SURPLUS_SHARE: float = 0.25

# --- 参保扩面 goals ------------------------------------------------------------------------

# Setting. Source: seed 001, 参保率 goal ≥ 95%.
COVERAGE_GOAL: float = 0.95

# Setting. Source: seed 002, poverty-alleviated and monitored persons must be 100% enrolled.
POVERTY_COVERAGE_GOAL: float = 1.0

# --- 医疗救助 ------------------------------------------------------------------------------

# Setting. Source: seed 002, yearly personal out-of-pocket above which a person is flagged for
# poverty-return monitoring, by household category (元).
POVERTY_OOP_THRESHOLD_YUAN: dict[str, int] = {"脱贫人口": 9968, "一般农户": 19936}

# Setting. Source: DOMAIN.md (named poor households are sensitive) and the issue: counts from 1
# to this threshold are shown as "<10" to people without the right to see them.
SMALL_CELL_THRESHOLD: int = 10

# Setting. Rounding of every sensitive figure for viewers without the small-cell right, so two
# visible figures (1-3月 and 1-4月, or a total and a part) never differ by a hidden cell's exact
# value: counts (人次、人数) to a multiple of 10, amounts to whole 万元 (positive amounts below half
# of it are hidden). Source: statistical offices' practice of rounding published counts to a base
# (e.g. base 10 with small cells suppressed); the bases are a local choice. See metrics/suppress.py.
SENSITIVE_COUNT_BASE: int = 10
SENSITIVE_AMOUNT_BASE_YUAN: int = 10_000

# --- 集中带量采购 / DRG --------------------------------------------------------------------

# Setting. Source: seed 004 (institutions behind time progress get a warning and an interview);
# the 10 percentage point margin is a local assumption. Ratio difference.
PROCUREMENT_LAG_PP: float = 0.10

# Setting. Local assumption: a hospital paying its DRG budget more than 5 percentage points
# faster than time progress is "over pace". Ratio difference.
DRG_OVER_PACE_PP: float = 0.05

# --- Technical tunables (not policy) -------------------------------------------------------

# Setting. Query cache lifetime; the warehouse is loaded at most a few times a day.
CACHE_TTL_SECONDS: int = 600

# Setting. Upper bound on cached query results, so a long-running big-screen session stays small.
CACHE_MAX_ENTRIES: int = 512

# Setting. Compiled statements kept per process (metrics.execute.plan): a few KB each; the pages
# use about 100 specs, times the periods and scopes people look at.
PLAN_CACHE_SIZE: int = 2048

# Setting. Big-screen auto refresh interval.
AUTO_REFRESH_SECONDS: int = 300

# --- 任务分解 (target planning) ------------------------------------------------------------

# Setting. Local assumption (规划股 practice, adjustable): a township asked to grow its enrolled
# persons by more than 5% over last year is marked 难以完成 on the planning page. Ratio.
PLAN_HARD_GROWTH: float = 0.05

# Setting. A proposal whose implied coverage (proposed targets of both schemes ÷ 户籍人口) is
# above this ratio is marked 难以完成: more than everyone registered there. Ratio; 1.0 = 100%.
PLAN_HARD_COVERAGE: float = 1.0

# --- 登录与权限 (login, roles, audit) --------------------------------------------------------

# Setting. Roles that may see counts of assistance below SMALL_CELL_THRESHOLD. Source: seed 004
# (the bureau's data rules: named poor households are sensitive, level 3; only the leadership and
# the data administrator see small cells, every other role sees '<10'). Role codes: auth.roles.
SMALL_CELL_ROLES: frozenset[str] = frozenset({"局领导", "数据管理员"})

# Setting. Failed logins in a row before an account is locked, and for how long (minutes).
# Local security rule (等保二级 practice: lock after repeated failures); adjustable.
LOGIN_MAX_FAILURES: int = 5
LOGIN_LOCK_MINUTES: int = 15

# Setting. A session idle for longer than this (minutes) must log in again.
SESSION_IDLE_MINUTES: int = 30

# --- 数据导入的合理性检查 (plausibility of imported files) -----------------------------------

# Setting. Years an imported row may carry. Source: local assumption. The dashboard starts with
# the 2000s (no county keeps monthly 医保 figures from before 2000 in this form), and a file may
# carry next year's targets or budget (set in the autumn) but nothing later: a year like 2099 is
# a typing slip that would become every user's default year.
IMPORT_FIRST_YEAR: int = 2000
IMPORT_YEARS_AHEAD: int = 1  # latest accepted year = this year + 1

# Setting. A slice's total about this many times off the same slice's previous month (or the same
# month last year) is flagged as a probable unit slip (元 typed under 万元, 人 under 万人: ×10,000).
# A warning the user confirms, not an error: a new township or a campaign month may jump for real.
# Ratio; 1,000 catches ×10,000 slips with room for real growth of up to a thousandfold.
IMPORT_UNIT_SLIP_RATIO: float = 1_000.0

# Setting. The user named in the load log, exports and the audit log when login is switched off
# (YIBAO_LOGIN=0) on a real warehouse: a named local operator, never "demo".
LOCAL_USER_NAME: str = "本机管理员"

# --- 预警督办 (warning cases) and the monthly push -------------------------------------------

# Setting. A breach that persists this many consecutive months escalates its case to 约谈.
# Source: seed 004 (淮北: "对进度滞后的单位进行约谈"); the number of months is local practice
# (DOMAIN.md, 督办), assumed 3 = one quarter of 月上报 (seed 003) without improvement. Adjustable.
CASE_ESCALATE_MONTHS: int = 3

# Setting. Sections (股室) a case may be assigned to besides a township officer. Assumption: the
# usual sections of a county bureau; rename to the bureau's own.
CASE_SECTIONS: tuple[str, ...] = (
    "待遇保障股",
    "基金监管股",
    "医药服务管理股",
    "规划财务和法规股",
    "医保经办中心",
)

# Setting. Default due date offered when assigning: days from today (local practice, assumed
# 15 days = half of the 月上报 cycle of seed 003).
CASE_DUE_DAYS: int = 15

# Setting. The monthly push: attempts per message and the pause between them (seconds, doubled
# after each failure). Technical tunables, not policy.
PUSH_ATTEMPTS: int = 3
PUSH_BACKOFF_SECONDS: float = 5.0
