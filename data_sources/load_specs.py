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
    drg_case,
    enrollment,
    enrollment_target,
    fund_ledger,
    proc_purchase,
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

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(f.header for f in self.fields)

    def field(self, column: str) -> Field:
        return next(f for f in self.fields if f.column == column)

    @property
    def monthly(self) -> bool:
        return "month" in self.period


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
            note="导入时替换文件中各年度的全部任务数。",
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
            note="导入时替换文件中各年度的全部乡镇人口。",
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
            note="基金在县级统筹,台账不分乡镇;结算人次仅支出项目填写。导入时替换文件中各月份的全部台账。",
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
            note="每行一笔支付;人员标识为匿名编号(不填身份证号)。导入时替换文件中各月份(按支付日期)的全部救助明细。",
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
            note="产品编码、机构编码须已在系统中登记。导入时替换文件中各月份的全部采购量。",
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
            note="病例号为数字。导入时替换文件中各月份的全部DRG病例。",
        ),
    )
}

KIND_LABELS: dict[str, str] = {k: s.title for k, s in SPECS.items()}


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
