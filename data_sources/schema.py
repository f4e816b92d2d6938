"""The warehouse schema, declared in SQLAlchemy Core.

Declared, never reflected: duckdb-engine 0.17 cannot reflect under SQLAlchemy 2.1 (it queries
pg_catalog.pg_collation, which DuckDB lacks), and declarations let the metrics compiler take every
identifier from code rather than from user input.

Money is kept in 元 as DECIMAL(…, 2); persons and volumes as integers. Codes are short ASCII codes
whose Chinese labels live in `data_sources.codes`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()
# The app's own tables (load log, planning scenarios) live in the app store, which may be another
# database than the warehouse (data_sources.app_store): their own MetaData, no keys into the
# warehouse's tables.
app_metadata = MetaData()

MONEY = Numeric(16, 2)


def _engine_has_indexes(ddl, target, bind, **kw) -> bool:
    # Spark SQL (HiveServer2) has no CREATE INDEX; its files are scanned per partition instead.
    return kw["dialect"].name != "spark"


PRICE = Numeric(12, 4)


def _year() -> Column:
    return Column("year", SmallInteger, primary_key=True, comment="年度")


def _month() -> Column:
    return Column("month", SmallInteger, primary_key=True, comment="月份(1-12)")


def _township(primary_key: bool = True) -> Column:
    return Column(
        "township_code",
        String(12),
        ForeignKey("township.code"),
        primary_key=primary_key,
        nullable=False,
        comment="乡镇(街道)行政区划代码",
    )


# --- Geography and designated institutions -------------------------------------------------

township = Table(
    "township",
    metadata,
    Column("code", String(12), primary_key=True, comment="行政区划代码(9位)"),
    Column("name", String(32), nullable=False, unique=True, comment="乡镇(街道)名称"),
    Column("sort_order", SmallInteger, nullable=False, comment="排列顺序"),
    Column(
        "aliases",
        String(255),
        nullable=True,
        comment="别名(顿号或逗号分隔,如开发区、街道的其他叫法)",
    ),
    comment="乡镇(街道)",
)

# The area the warehouse covers: one row, written by `python -m data_sources.init`. Its level
# decides how texts name the whole area (县 → 全县, 区 → 全区, 市 → 全市; DOMAIN.md 公文).
region = Table(
    "region",
    metadata,
    Column("code", String(12), primary_key=True, comment="行政区划代码(6位)"),
    Column("name", String(32), nullable=False, comment="名称,如 南昌县"),
    Column("level", String(4), nullable=False, comment="县/区/市"),
    Column("created_at", DateTime, nullable=False, comment="建库时间"),
    comment="本数据仓库所属地区",
)

township_population = Table(
    "township_population",
    metadata,
    _year(),
    _township(),
    Column("registered", Integer, nullable=False, comment="户籍人口"),
    Column("resident", Integer, nullable=False, comment="常住人口"),
    Column("poverty", Integer, nullable=False, comment="脱贫人口和监测对象人数"),
    comment="乡镇人口(年度)",
)

village = Table(
    "village",
    metadata,
    Column("code", String(15), primary_key=True, comment="村(社区)代码"),
    _township(primary_key=False),
    Column("name", String(32), nullable=False),
    Column("kind", String(8), nullable=False, comment="村/社区"),
    comment="村(社区)",
)

township_boundary = Table(
    "township_boundary",
    metadata,
    _township(),
    # GeoJSON geometry (Polygon/MultiPolygon) as text; LONGTEXT on MySQL-protocol engines,
    # whose TEXT stops at 64 KB, less than a detailed township outline.
    Column(
        "geometry",
        Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb"),
        nullable=False,
        comment="乡镇边界(GeoJSON 几何)",
    ),
    Column("fictional", Boolean, nullable=False, comment="是否为演示用虚构边界"),
    comment="乡镇(街道)边界",
)

institution = Table(
    "institution",
    metadata,
    Column("code", String(16), primary_key=True, comment="定点医药机构编码"),
    Column("name", String(64), nullable=False),
    Column(
        "kind", String(16), nullable=False, comment="hospital/health_centre/village_clinic/pharmacy"
    ),
    Column("level", String(8), nullable=False, comment="三级/二级/一级/未定级"),
    _township(primary_key=False),
    Column("village_code", String(15), ForeignKey("village.code"), nullable=True),
    comment="定点医药机构",
)

# --- 参保扩面 -----------------------------------------------------------------------------------

enrollment = Table(
    "enrollment",
    metadata,
    _year(),
    _month(),
    _township(),
    Column("scheme", String(12), primary_key=True, comment="resident/employee"),
    Column("person_group", String(16), primary_key=True, comment="人群类别(互斥)"),
    Column("enrolled", Integer, nullable=False, comment="截至当月末本年度累计缴费参保人数"),
    comment="参保人数(月度累计)",
)

enrollment_target = Table(
    "enrollment_target",
    metadata,
    _year(),
    _township(),
    Column("scheme", String(12), primary_key=True),
    Column("target", Integer, nullable=False, comment="参保任务数"),
    comment="参保任务数(年度)",
)

# --- 基金收支 ------------------------------------------------------------------------------------
# The fund is pooled at county level, so the ledger has no township.

fund_ledger = Table(
    "fund_ledger",
    metadata,
    _year(),
    _month(),
    Column("scheme", String(12), primary_key=True),
    Column("flow", String(10), primary_key=True, comment="income/spending"),
    Column("item", String(24), primary_key=True, comment="收支项目"),
    Column("amount", MONEY, nullable=False, comment="金额(元)"),
    Column("person_times", Integer, nullable=True, comment="结算人次(支出项目)"),
    comment="基金收支台账(月度)",
)

fund_opening_balance = Table(
    "fund_opening_balance",
    metadata,
    _year(),
    Column("scheme", String(12), primary_key=True),
    Column("amount", MONEY, nullable=False, comment="上年末累计结余(元)"),
    comment="基金年初累计结余",
)

# --- 医疗救助 ------------------------------------------------------------------------------------

assistance = Table(
    "assistance",
    metadata,
    Column("record_id", BigInteger, primary_key=True, autoincrement=False),
    Column("pay_date", Date, nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("month", SmallInteger, nullable=False),
    _township(primary_key=False),
    Column("category", String(12), nullable=False, comment="救助对象类别"),
    Column("kind", String(12), nullable=False, comment="premium/outpatient/inpatient"),
    Column("amount", Numeric(12, 2), nullable=False, comment="救助金额(元)"),
    Column("person_key", String(16), nullable=False, comment="匿名人员标识"),
    Index("ix_assistance_period", "year", "month", "township_code").ddl_if(
        callable_=_engine_has_indexes
    ),
    comment="医疗救助支付明细",
)

poverty_alert = Table(
    "poverty_alert",
    metadata,
    _year(),
    Column("month", SmallInteger, primary_key=True, comment="推送批次所在月份"),
    Column("person_key", String(16), primary_key=True),
    _township(primary_key=False),
    Column("population_type", String(8), nullable=False, comment="tuopin/nonghu"),
    Column("oop_amount", Numeric(12, 2), nullable=False, comment="年度个人累计自付(元)"),
    comment="防返贫致贫监测预警推送",
)

# --- 集中带量采购 ----------------------------------------------------------------------------------

proc_batch = Table(
    "proc_batch",
    metadata,
    Column("batch_code", String(16), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("level", String(12), nullable=False, comment="national/provincial/alliance"),
    Column("start_date", Date, nullable=False, comment="执行开始日期"),
    Column("end_date", Date, nullable=False, comment="协议期结束日期"),
    comment="集采批次",
)

proc_product = Table(
    "proc_product",
    metadata,
    Column("product_code", String(20), primary_key=True),
    Column("batch_code", String(16), ForeignKey("proc_batch.batch_code"), nullable=False),
    Column("generic_name", String(64), nullable=False, comment="通用名"),
    Column("spec", String(32), nullable=False, comment="规格"),
    Column("price_before", PRICE, nullable=False, comment="集采前单价(元)"),
    Column("price_after", PRICE, nullable=False, comment="中选单价(元)"),
    comment="中选产品",
)

proc_agreement = Table(
    "proc_agreement",
    metadata,
    _year(),
    Column("product_code", String(20), ForeignKey("proc_product.product_code"), primary_key=True),
    Column("institution_code", String(16), ForeignKey("institution.code"), primary_key=True),
    Column("agreed_volume", BigInteger, nullable=False, comment="约定采购量(最小包装单位)"),
    comment="约定采购量(年度)",
)

proc_purchase = Table(
    "proc_purchase",
    metadata,
    _year(),
    _month(),
    Column("product_code", String(20), ForeignKey("proc_product.product_code"), primary_key=True),
    Column("institution_code", String(16), ForeignKey("institution.code"), primary_key=True),
    Column("volume", BigInteger, nullable=False, comment="当月采购量"),
    comment="实际采购量(月度)",
)

proc_retained = Table(
    "proc_retained",
    metadata,
    _year(),
    Column("batch_code", String(16), ForeignKey("proc_batch.batch_code"), primary_key=True),
    Column("institution_code", String(16), ForeignKey("institution.code"), primary_key=True),
    Column("amount", MONEY, nullable=False, comment="结余留用金额(元)"),
    comment="集采结余留用",
)

# --- DRG 付费 -------------------------------------------------------------------------------------

drg_group = Table(
    "drg_group",
    metadata,
    Column("drg_code", String(8), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("weight", Numeric(8, 4), nullable=False, comment="基准权重"),
    comment="DRG分组",
)

drg_budget = Table(
    "drg_budget",
    metadata,
    _year(),
    Column("hospital_code", String(16), ForeignKey("institution.code"), primary_key=True),
    Column("budget", MONEY, nullable=False, comment="年度DRG付费预算(元)"),
    comment="DRG付费预算",
)

drg_case = Table(
    "drg_case",
    metadata,
    Column("case_id", BigInteger, primary_key=True, autoincrement=False),
    Column("year", SmallInteger, nullable=False),
    Column("month", SmallInteger, nullable=False),
    Column("hospital_code", String(16), ForeignKey("institution.code"), nullable=False),
    Column("drg_code", String(8), ForeignKey("drg_group.drg_code"), nullable=False),
    Column("weight", Numeric(8, 4), nullable=False, comment="病例权重"),
    Column("outlier", String(8), nullable=False, comment="normal/high/low"),
    Column("total_cost", Numeric(12, 2), nullable=False, comment="住院总费用(元)"),
    Column("fund_paid", Numeric(12, 2), nullable=False, comment="DRG基金支付(元)"),
    Index("ix_drg_case_period", "year", "month", "hospital_code").ddl_if(
        callable_=_engine_has_indexes
    ),
    comment="DRG结算病例",
)

# --- Load log ------------------------------------------------------------------------------------

load_log = Table(
    "load_log",
    app_metadata,
    Column("load_id", Integer, Sequence("load_log_id_seq"), primary_key=True),
    Column("table_name", String(40), nullable=False),
    Column("period", String(24), nullable=False, comment="数据期间, 如 2023-10 或 2022-01~2026-10"),
    Column("period_end", Date, nullable=False, comment="数据截至日期(期间最后一天)"),
    Column("row_count", Integer, nullable=False),
    Column("source", String(255), nullable=False),
    Column("checksum", String(64), nullable=False, comment="sha256"),
    Column("loaded_at", DateTime, nullable=False),
    Column("loaded_by", String(64), nullable=False),
    comment="数据加载日志",
)

FACT_TABLES: tuple[Table, ...] = (
    enrollment,
    enrollment_target,
    fund_ledger,
    fund_opening_balance,
    assistance,
    poverty_alert,
    proc_agreement,
    proc_purchase,
    proc_retained,
    drg_budget,
    drg_case,
)

# Order in which a full load must insert (parents before children).
LOAD_ORDER: tuple[Table, ...] = (
    township,
    township_boundary,
    township_population,
    village,
    institution,
    enrollment,
    enrollment_target,
    fund_ledger,
    fund_opening_balance,
    assistance,
    poverty_alert,
    proc_batch,
    proc_product,
    proc_agreement,
    proc_purchase,
    proc_retained,
    drg_group,
    drg_budget,
    drg_case,
)

# --- 任务分解方案 (what-if planning) ----------------------------------------------------------------
# Written by the planning page through data_sources.scenarios, not by loads: not in FACT_TABLES
# (no metrics read them) nor in LOAD_ORDER; in the app store (app_metadata). A full rebuild of
# the data starts them afresh (writer.recreate_schema).

plan_scenario = Table(
    "plan_scenario",
    app_metadata,
    Column("scenario_id", Integer, Sequence("plan_scenario_id_seq"), primary_key=True),
    Column("year", SmallInteger, nullable=False, comment="规划年度"),
    Column("name", String(64), nullable=False, comment="方案名称"),
    Column("author", String(64), nullable=False, comment="编制人"),
    Column("created_at", DateTime, nullable=False, comment="保存时间"),
    Column("method", String(24), nullable=False, comment="分解方法"),
    Column("parameters", Text, nullable=False, comment="参数(JSON:各险种县级任务数、下限、锁定等)"),
    Column("adopted_at", DateTime, nullable=True, comment="采用为正式任务的时间"),
    Column("adopted_by", String(64), nullable=True, comment="采用人"),
    comment="参保任务分解方案",
)

plan_scenario_target = Table(
    "plan_scenario_target",
    app_metadata,
    Column(
        "scenario_id",
        Integer,
        ForeignKey("plan_scenario.scenario_id"),
        primary_key=True,
        comment="方案",
    ),
    # No foreign key to township: the scenario may be stored in another database (app store).
    Column("township_code", String(12), primary_key=True, comment="乡镇(街道)行政区划代码"),
    Column("scheme", String(12), primary_key=True),
    Column("target", Integer, nullable=False, comment="方案任务数"),
    comment="参保任务分解方案明细",
)
