"""What each importable file holds: Chinese header → column, type, required, allowed codes, keys.

One declaration per fact kind. The templates (`data_sources.templates`), the tolerant reader
(`data_sources.reader`), the validation (`data_sources.validate`) and the load itself
(`data_sources.load`) all read these declarations, so a column is described once.

Types:
- ``int``: a whole, non-negative number (persons, volumes); ``money``: 元, two decimals, non-negative,
  multiplied by 10000 when the unit line (or the header) says 万元; ``decimal``: a non-negative
  number (DRG weights); ``year`` / ``month``; ``date``; ``text``;
- ``code``: one of `codes` (the code itself or its Chinese label);
- ``township``: a township by code or name (looked up in the township table);
- ``institution`` / ``product`` / ``drg``: a code that must exist in the warehouse's
  institution / proc_product / drg_group table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Table

from data_sources import codes
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

# --- Limits (settings) ----------------------------------------------------------------------------
MAX_FILE_BYTES = 20 * 1024 * 1024  # a file larger than this is refused before it is read
MAX_ROWS = 500_000  # rows of the sheet (or lines of the CSV), counted before the cells are read
MAX_FILE_MB = MAX_FILE_BYTES // (1024 * 1024)

# How many leading rows may precede the header row (titles, unit lines, notes).
HEADER_SEARCH_ROWS = 30

ALL_FUND_ITEMS: dict[str, str] = {
    code: label for items in codes.FUND_ITEMS.values() for code, label in items.items()
}


@dataclass(frozen=True)
class Field:
    header: str  # the Chinese header of the template
    column: str  # the warehouse column (or a helper column such as year for assistance)
    type: str  # see the module docstring
    required: bool = True
    codes: Mapping[str, str] | None = None  # code -> Chinese label, for type "code"
    aliases: tuple[str, ...] = ()  # other headers staff use for the same column
    summable: bool = False  # checked against 合计/小计 rows
    example: object = None  # the template's example row

    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class LoadSpec:
    kind: str
    title: str  # what the file is, in Chinese
    table: Table
    fields: tuple[Field, ...]
    keys: tuple[str, ...]  # columns that identify a row: duplicates are refused
    period: tuple[str, ...]  # columns whose values in the file are the periods a load replaces
    unit: str  # the unit line of the template: "单位:人" or "单位:元"
    note: str = ""
    cumulative: str | None = None  # a month-end cumulative column that must not fall
    cumulative_by: tuple[str, ...] = field(default_factory=tuple)
    # The keys besides the period that say which slice a file covers: a load replaces only the
    # (period, slice) combinations present in the file, never rows of another township, scheme,
    # kind or hospital. A dimension (no period) has its primary key here: rows are upserted.
    slice: tuple[str, ...] = field(default_factory=tuple)
    measure: str | None = None  # the column whose totals the load plan shows before/after
    area: str | None = None  # the dashboard area whose freshness a monthly load moves
    depends: tuple[str, ...] = field(default_factory=tuple)  # kinds to load first

    @property
    def is_dimension(self) -> bool:
        return not self.period

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(f.header for f in self.fields)

    def field(self, column: str) -> Field:
        return next(f for f in self.fields if f.column == column)

    @property
    def monthly(self) -> bool:
        return "month" in self.period


INSTITUTION_LEVELS: dict[str, str] = {v: v for v in ("三级", "二级", "一级", "未定级")}

_YEAR = Field("年度", "year", "year", example=2023)
_MONTH = Field("月份", "month", "month", example=10)
_TOWN = Field(
    "乡镇",
    "township_code",
    "township",
    aliases=("乡镇(街道)", "乡镇名称", "乡镇代码", "乡镇街道"),
    example="莲塘镇",
)
_SCHEME = Field("险种", "scheme", "code", codes=codes.SCHEMES, example="城乡居民医保")

SPECS: dict[str, LoadSpec] = {
    s.kind: s
    for s in (
        LoadSpec(
            kind="enrollment",
            title="参保人数(月度累计)",
            table=enrollment,
            fields=(
                _YEAR,
                _MONTH,
                _TOWN,
                _SCHEME,
                Field(
                    "人群类别",
                    "person_group",
                    "code",
                    codes=codes.PERSON_GROUPS,
                    example="学生儿童",
                ),
                Field(
                    "参保人数",
                    "enrolled",
                    "int",
                    aliases=("累计参保人数", "缴费参保人数"),
                    summable=True,
                    example=12_345,
                ),
            ),
            keys=("year", "month", "township_code", "scheme", "person_group"),
            period=("year", "month"),
            unit="单位:人",
            note="参保人数为截至当月末本年度累计缴费参保人数;一个文件可含多个月份,导入时替换文件中各月份的全部数据。",
            cumulative="enrolled",
            cumulative_by=("township_code", "scheme", "person_group"),
            slice=("township_code", "scheme"),
            measure="enrolled",
            area="enrollment",
            depends=("townships",),
        ),
        LoadSpec(
            kind="targets",
            title="参保任务数(年度)",
            table=enrollment_target,
            fields=(
                _YEAR,
                _TOWN,
                _SCHEME,
                Field(
                    "参保任务数",
                    "target",
                    "int",
                    aliases=("任务数",),
                    summable=True,
                    example=50_000,
                ),
            ),
            keys=("year", "township_code", "scheme"),
            period=("year",),
            unit="单位:人",
            note="导入时只替换文件中出现的年度、乡镇和险种的任务数。",
            slice=("township_code", "scheme"),
            measure="target",
            depends=("townships",),
        ),
        LoadSpec(
            kind="population",
            title="乡镇人口(年度)",
            table=township_population,
            fields=(
                _YEAR,
                _TOWN,
                Field("户籍人口", "registered", "int", summable=True, example=60_000),
                Field("常住人口", "resident", "int", summable=True, example=55_000),
                Field(
                    "脱贫人口和监测对象",
                    "poverty",
                    "int",
                    aliases=("脱贫人口和监测对象人数", "脱贫人口及监测对象"),
                    summable=True,
                    example=1_200,
                ),
            ),
            keys=("year", "township_code"),
            period=("year",),
            unit="单位:人",
            note="导入时只替换文件中出现的年度和乡镇的人口。",
            slice=("township_code",),
            measure="registered",
            depends=("townships",),
        ),
        LoadSpec(
            kind="fund",
            title="基金收支台账(月度)",
            table=fund_ledger,
            fields=(
                _YEAR,
                _MONTH,
                _SCHEME,
                Field("收支", "flow", "code", codes=codes.FUND_FLOWS, example="基金支出"),
                Field(
                    "项目",
                    "item",
                    "code",
                    codes=ALL_FUND_ITEMS,
                    aliases=("收支项目",),
                    example="住院费用",
                ),
                Field("金额", "amount", "money", summable=True, example=12_345_678.9),
                Field(
                    "结算人次",
                    "person_times",
                    "int",
                    required=False,
                    summable=True,
                    example=3_456,
                ),
            ),
            keys=("year", "month", "scheme", "flow", "item"),
            period=("year", "month"),
            unit="单位:元",
            note="基金在县级统筹,台账不分乡镇;结算人次仅支出项目填写。"
            "导入时只替换文件中出现的月份、险种、收支和项目。",
            slice=("scheme", "flow", "item"),
            measure="amount",
            area="fund",
        ),
        LoadSpec(
            kind="assistance",
            title="医疗救助支付明细",
            table=assistance,
            fields=(
                Field("支付日期", "pay_date", "date", example="2023-10-08"),
                Field("年度", "year", "year", required=False, example=2023),
                _TOWN,
                Field(
                    "救助对象类别",
                    "category",
                    "code",
                    codes=codes.ASSISTANCE_CATEGORIES,
                    example="低保对象",
                ),
                Field(
                    "救助类型",
                    "kind",
                    "code",
                    codes=codes.ASSISTANCE_KINDS,
                    example="住院救助",
                ),
                Field(
                    "金额", "amount", "money", aliases=("救助金额",), summable=True, example=3_600
                ),
                Field(
                    "人员标识",
                    "person_key",
                    "text",
                    aliases=("匿名人员标识", "人员编号"),
                    example="20e1f5c6b9e6ecd2",
                ),
            ),
            keys=("pay_date", "person_key", "kind"),
            period=("year", "month"),
            unit="单位:元",
            note="每行一笔支付;人员标识为匿名编号(不填身份证号)。导入时只替换文件中出现的月份"
            "(按支付日期)、乡镇、救助类型和救助对象类别的明细。",
            slice=("township_code", "kind", "category"),
            measure="amount",
            area="assistance",
            depends=("townships",),
        ),
        LoadSpec(
            kind="procurement",
            title="集采产品实际采购量(月度)",
            table=proc_purchase,
            fields=(
                _YEAR,
                _MONTH,
                Field("产品编码", "product_code", "product", example="JC01-01"),
                Field(
                    "机构编码",
                    "institution_code",
                    "institution",
                    aliases=("定点医药机构编码",),
                    example="H360121100001",
                ),
                Field(
                    "采购量", "volume", "int", aliases=("当月采购量",), summable=True, example=120
                ),
            ),
            keys=("year", "month", "product_code", "institution_code"),
            period=("year", "month"),
            unit="单位:最小包装单位",
            note="产品编码、机构编码须已在系统中登记。导入时只替换文件中出现的月份、机构和产品。",
            slice=("institution_code", "product_code"),
            measure="volume",
            area="procurement",
            depends=("institutions", "proc_products"),
        ),
        LoadSpec(
            kind="drg",
            title="DRG结算病例",
            table=drg_case,
            fields=(
                Field("病例号", "case_id", "int", aliases=("病案号",), example=900000001),
                _YEAR,
                _MONTH,
                Field("医院编码", "hospital_code", "institution", example="H360121900"),
                Field("DRG组", "drg_code", "drg", aliases=("DRG分组", "DRG组编码"), example="BR21"),
                Field("权重", "weight", "decimal", aliases=("病例权重",), example=1.25),
                Field(
                    "病例类型",
                    "outlier",
                    "code",
                    codes=codes.DRG_OUTLIERS,
                    example="正常病例",
                ),
                Field("住院总费用", "total_cost", "money", summable=True, example=15_200.5),
                Field(
                    "基金支付",
                    "fund_paid",
                    "money",
                    aliases=("DRG基金支付",),
                    summable=True,
                    example=9_800,
                ),
            ),
            keys=("case_id",),
            period=("year", "month"),
            unit="单位:元",
            note="病例号为数字。导入时只替换文件中出现的月份和医院的DRG病例。",
            slice=("hospital_code",),
            measure="fund_paid",
            area="drg",
            depends=("institutions", "drg_groups"),
        ),
    )
}

_INSTITUTION = Field(
    "机构编码",
    "institution_code",
    "institution",
    aliases=("定点医药机构编码", "医院编码"),
    example="H360121100001",
)
_PRODUCT = Field("产品编码", "product_code", "product", example="JC01-01")
_BATCH = Field("批次编码", "batch_code", "batch", aliases=("集采批次编码",), example="JC01")

# Dimensions (名录) and the annual and monthly facts added for a warehouse that starts empty.
SPECS.update(
    {
        s.kind: s
        for s in (
            LoadSpec(
                kind="townships",
                title="乡镇(街道)名录",
                table=township,
                fields=(
                    Field(
                        "乡镇代码",
                        "code",
                        "key",
                        aliases=("行政区划代码", "乡镇(街道)代码"),
                        example="360121100",
                    ),
                    Field(
                        "乡镇名称",
                        "name",
                        "text",
                        aliases=("乡镇", "乡镇(街道)", "名称"),
                        example="莲塘镇",
                    ),
                    Field("排列顺序", "sort_order", "int", required=False, example=1),
                    Field(
                        "别名",
                        "aliases",
                        "text",
                        required=False,
                        aliases=("其他名称",),
                        example="莲塘开发区、莲塘街道",
                    ),
                ),
                keys=("code",),
                period=(),
                unit="",
                note="先导入乡镇名录,其他数据才能按乡镇名称或代码识别。别名用顿号分隔"
                "(开发区、街道等其他叫法);排列顺序不填时按文件中的顺序。"
                "导入时按代码更新或新增,不删除文件中没有的乡镇。",
                slice=("code",),
            ),
            LoadSpec(
                kind="institutions",
                title="定点医药机构名录",
                table=institution,
                fields=(
                    Field(
                        "机构编码",
                        "code",
                        "key",
                        aliases=("定点医药机构编码",),
                        example="H360121900",
                    ),
                    Field("机构名称", "name", "text", example="某某县人民医院"),
                    Field(
                        "机构类型",
                        "kind",
                        "code",
                        codes=codes.INSTITUTION_KINDS,
                        example="医院",
                    ),
                    Field(
                        "机构等级",
                        "level",
                        "code",
                        codes=INSTITUTION_LEVELS,
                        aliases=("等级",),
                        example="二级",
                    ),
                    _TOWN,
                ),
                keys=("code",),
                period=(),
                unit="",
                note="医院、乡镇卫生院、村卫生室和定点零售药店,各属一个乡镇。"
                "导入时按机构编码更新或新增,不删除文件中没有的机构。",
                slice=("code",),
                depends=("townships",),
            ),
            LoadSpec(
                kind="drg_groups",
                title="DRG分组",
                table=drg_group,
                fields=(
                    Field("DRG组编码", "drg_code", "key", aliases=("DRG组",), example="BR21"),
                    Field("DRG组名称", "name", "text", aliases=("名称",), example="脑缺血性疾病"),
                    Field("基准权重", "weight", "decimal", aliases=("权重",), example=1.25),
                ),
                keys=("drg_code",),
                period=(),
                unit="",
                note="导入时按DRG组编码更新或新增,不删除文件中没有的分组。",
                slice=("drg_code",),
            ),
            LoadSpec(
                kind="drg_budget",
                title="年度DRG付费预算(按医院)",
                table=drg_budget,
                fields=(
                    _YEAR,
                    Field(
                        "医院编码",
                        "hospital_code",
                        "institution",
                        aliases=("机构编码",),
                        example="H360121900",
                    ),
                    Field(
                        "年度DRG预算",
                        "budget",
                        "money",
                        aliases=("DRG预算", "预算金额"),
                        summable=True,
                        example=120_000_000,
                    ),
                ),
                keys=("year", "hospital_code"),
                period=("year",),
                unit="单位:元",
                note="每家医院一行;导入时只替换文件中出现的年度和医院的预算。",
                slice=("hospital_code",),
                measure="budget",
                depends=("institutions",),
            ),
            LoadSpec(
                kind="fund_opening",
                title="基金年初累计结余",
                table=fund_opening_balance,
                fields=(
                    _YEAR,
                    _SCHEME,
                    Field(
                        "年初累计结余",
                        "amount",
                        "money",
                        aliases=("上年末累计结余", "累计结余"),
                        summable=True,
                        example=650_000_000,
                    ),
                ),
                keys=("year", "scheme"),
                period=("year",),
                unit="单位:元",
                note="上年末的基金累计结余,用于计算累计结余和可支付月数。"
                "导入时只替换文件中出现的年度和险种。",
                slice=("scheme",),
                measure="amount",
            ),
            LoadSpec(
                kind="poverty_alert",
                title="防返贫监测预警推送",
                table=poverty_alert,
                fields=(
                    _YEAR,
                    Field("月份", "month", "month", aliases=("推送月份",), example=10),
                    Field(
                        "人员标识",
                        "person_key",
                        "text",
                        aliases=("匿名人员标识", "人员编号"),
                        example="20e1f5c6b9e6ecd2",
                    ),
                    _TOWN,
                    Field(
                        "人员类型",
                        "population_type",
                        "code",
                        codes=codes.POVERTY_ALERT_TYPES,
                        example="脱贫人口",
                    ),
                    Field(
                        "年度个人累计自付",
                        "oop_amount",
                        "money",
                        aliases=("个人累计自付",),
                        summable=True,
                        example=12_000,
                    ),
                ),
                keys=("year", "month", "person_key"),
                period=("year", "month"),
                unit="单位:元",
                note="每批推送一个月份;导入时只替换文件中出现的月份和乡镇的预警名单。",
                slice=("township_code",),
                measure="oop_amount",
                area="assistance",
                depends=("townships",),
            ),
            LoadSpec(
                kind="proc_batches",
                title="集采批次",
                table=proc_batch,
                fields=(
                    Field("批次编码", "batch_code", "key", example="JC01"),
                    Field("批次名称", "name", "text", example="第八批国家组织药品集采"),
                    Field(
                        "级别",
                        "level",
                        "code",
                        codes=codes.PROCUREMENT_LEVELS,
                        aliases=("批次级别",),
                        example="国家组织",
                    ),
                    Field("执行开始日期", "start_date", "any_date", example="2023-07-01"),
                    Field("协议期结束日期", "end_date", "any_date", example="2025-06-30"),
                ),
                keys=("batch_code",),
                period=(),
                unit="",
                note="导入时按批次编码更新或新增,不删除文件中没有的批次。",
                slice=("batch_code",),
            ),
            LoadSpec(
                kind="proc_products",
                title="集采中选产品",
                table=proc_product,
                fields=(
                    Field("产品编码", "product_code", "key", example="JC01-01"),
                    _BATCH,
                    Field("通用名", "generic_name", "text", example="阿托伐他汀钙片"),
                    Field("规格", "spec", "text", example="20mg*7片"),
                    Field("集采前单价", "price_before", "decimal", example=3.5),
                    Field("中选单价", "price_after", "decimal", example=0.35),
                ),
                keys=("product_code",),
                period=(),
                unit="单位:元",
                note="单价以元填写(最小包装单位)。导入时按产品编码更新或新增。",
                slice=("product_code",),
                depends=("proc_batches",),
            ),
            LoadSpec(
                kind="proc_agreement",
                title="集采约定采购量(年度)",
                table=proc_agreement,
                fields=(
                    _YEAR,
                    _PRODUCT,
                    _INSTITUTION,
                    Field(
                        "约定采购量",
                        "agreed_volume",
                        "int",
                        summable=True,
                        example=1_200,
                    ),
                ),
                keys=("year", "product_code", "institution_code"),
                period=("year",),
                unit="单位:最小包装单位",
                note="导入时只替换文件中出现的年度、机构和产品的约定采购量。",
                slice=("institution_code", "product_code"),
                measure="agreed_volume",
                depends=("institutions", "proc_products"),
            ),
            LoadSpec(
                kind="proc_retained",
                title="集采结余留用(年度)",
                table=proc_retained,
                fields=(
                    _YEAR,
                    _BATCH,
                    _INSTITUTION,
                    Field(
                        "结余留用金额",
                        "amount",
                        "money",
                        aliases=("金额",),
                        summable=True,
                        example=85_000,
                    ),
                ),
                keys=("year", "batch_code", "institution_code"),
                period=("year",),
                unit="单位:元",
                note="导入时只替换文件中出现的年度、批次和机构。",
                slice=("batch_code", "institution_code"),
                measure="amount",
                depends=("institutions", "proc_batches"),
            ),
        )
    }
)

# The order a new warehouse is filled in: dimensions (名录) before the facts that name them.
LOAD_STEPS: tuple[str, ...] = (
    "townships",
    "institutions",
    "drg_groups",
    "proc_batches",
    "proc_products",
    "population",
    "targets",
    "fund_opening",
    "drg_budget",
    "proc_agreement",
    "enrollment",
    "fund",
    "assistance",
    "poverty_alert",
    "procurement",
    "proc_retained",
    "drg",
)
SPECS = {k: SPECS[k] for k in LOAD_STEPS}

KIND_LABELS: dict[str, str] = {k: s.title for k, s in SPECS.items()}


def load_order_text() -> str:
    """'1. townships 乡镇(街道)名录 → 2. …': the order, for the CLI help and the import page."""
    return ";".join(f"{i}. {k} {SPECS[k].title}" for i, k in enumerate(LOAD_STEPS, start=1))


def spec(kind: str) -> LoadSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(
            f"未知的数据类型“{kind}”,可选:{'、'.join(f'{k}({v})' for k, v in KIND_LABELS.items())}"
        ) from None


@dataclass(frozen=True)
class Problem:
    """One problem of an import file, located as staff see it (sheet, Excel row, column header)."""

    sheet: str
    row: int | None  # the row number in the file (1-based, as Excel shows it); None: whole file
    column: str  # the column header, "" when the problem is not about one column
    message: str  # in Chinese, says what to fix

    def text(self) -> str:
        where = [self.sheet] if self.sheet else []
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        return f"{' '.join(where)}:{self.message}" if where else self.message
