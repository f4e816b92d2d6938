"""A corpus of bad (and awkward but acceptable) files, built here: each bad file yields the expected
Chinese problems with sheet, row and column, and the warehouse is unchanged afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data_sources import load_specs, reader
from data_sources.load import load_file, problems_xlsx
from data_sources.load_specs import spec
from data_sources.validate import validate

from .conftest import Ctx
from .helpers import (
    ASSIST_HEADERS,
    ENROLL_HEADERS,
    FUND_HEADERS,
    standard,
    table_state,
    write_csv,
    write_xlsx,
)

TOWN = "莲塘镇"
KEY = ["城乡居民医保", "学生儿童"]


def enroll(ctx: Ctx, *rows: list[object]) -> list[list[object]]:
    return standard(ENROLL_HEADERS, rows or [[2023, 10, TOWN, *KEY, ctx.oct]])


def good_enroll(ctx: Ctx, month: int = 10, town: object = TOWN) -> list[object]:
    return [2023, month, town, *KEY, {9: ctx.sep, 10: ctx.oct, 11: ctx.nov}[month]]


FUND_OK = [2023, 10, "城乡居民医保", "基金支出", "住院费用", 1000.5, 12]
ASSIST_OK = ["2023-10-08", 2023, TOWN, "低保对象", "住院救助", 3600, "k1"]
PROC_OK = [2023, 10, "JC01-01", "H36012110001", 10]
DRG_OK = [990000001, 2023, 10, "H360121900", "BR21", 1.2, "正常病例", 12000, 8000]
DRG_HEADERS = list(spec("drg").headers)
PROC_HEADERS = list(spec("procurement").headers)

# (row, column, message fragment); row None: about the whole file.
Expect = list[tuple[int | None, str, str]]


@dataclass(frozen=True)
class Bad:
    kind: str
    build: Callable[[Path, Ctx], Path]
    expect: Expect
    sheet: str = "数据"
    limits: dict | None = None  # monkeypatched settings of load_specs


def x(rows, **kw) -> Callable[[Path, Ctx], Path]:
    """An .xlsx builder from a function of ctx giving rows."""
    return lambda tmp, c: write_xlsx(tmp / "bad.xlsx", rows(c), **kw)


BAD: dict[str, Bad] = {
    "unknown_township": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c, town="不存在镇"))),
        [(4, "乡镇", "未知乡镇“不存在镇”")],
    ),
    "text_in_number": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, *KEY, "两万"])),
        [(4, "参保人数", "“两万”不是数字")],
    ),
    "not_integer": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, *KEY, 12.5])),
        [(4, "参保人数", "应为整数")],
    ),
    "negative_amount": Bad(
        "fund",
        x(lambda c: standard(FUND_HEADERS, [[*FUND_OK[:5], -100, 3]], "单位:元")),
        [(4, "金额", "不能为负数")],
    ),
    "month_13": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 13, TOWN, *KEY, c.oct])),
        [(4, "月份", "应在1到12之间")],
    ),
    "bad_year": Bad(
        "fund",
        x(lambda c: standard(FUND_HEADERS, [[23, *FUND_OK[1:]]], "单位:元")),
        [(4, "年度", "应为四位年份")],
    ),
    "date_outside_year": Bad(
        "assistance",
        x(lambda c: standard(ASSIST_HEADERS, [["2022-12-31", *ASSIST_OK[1:]]], "单位:元")),
        [(4, "支付日期", "不在2023年度内")],
    ),
    "invalid_date": Bad(
        "assistance",
        x(lambda c: standard(ASSIST_HEADERS, [["2023-02-30", *ASSIST_OK[1:]]], "单位:元")),
        [(4, "支付日期", "不是有效日期")],
    ),
    "future_date": Bad(
        "assistance",
        x(lambda c: standard(ASSIST_HEADERS, [["2099-01-05", None, *ASSIST_OK[2:]]], "单位:元")),
        [(4, "支付日期", "晚于今天")],
    ),
    "duplicate_key": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c), good_enroll(c))),
        [(5, "年度、月份、乡镇、险种、人群类别", "与第4行重复")],
    ),
    "duplicate_assistance": Bad(
        "assistance",
        x(lambda c: standard(ASSIST_HEADERS, [ASSIST_OK, ASSIST_OK], "单位:元")),
        [(5, "支付日期、人员标识、救助类型", "与第4行重复")],
    ),
    "cumulative_falls_in_file": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c, 10), [2023, 11, TOWN, *KEY, c.oct - 5])),
        [(5, "参保人数", "累计数不应下降:2023年11月")],
    ),
    "cumulative_falls_vs_warehouse": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, *KEY, c.sep - 1])),
        [(4, "参保人数", "低于数据仓库中2023年9月")],
    ),
    "cumulative_above_next_month": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, *KEY, c.nov + 1])),
        [(4, "参保人数", "高于数据仓库中2023年11月")],
    ),
    "total_mismatch": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c), ["合计", None, None, None, None, c.oct + 1])),
        [(5, "参保人数", "合计为")],
    ),
    "subtotal_mismatch": Bad(
        "fund",
        x(
            lambda c: standard(
                FUND_HEADERS, [FUND_OK, ["小计", None, None, None, None, 999, 12]], "单位:元"
            )
        ),
        [(5, "金额", "与第4至4行明细之和 1,000.5 不一致")],
    ),
    "unknown_code": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, "新农合", "学生儿童", c.oct])),
        [(4, "险种", "“新农合”不是有效的险种")],
    ),
    "item_of_other_flow": Bad(
        "fund",
        x(lambda c: standard(FUND_HEADERS, [[*FUND_OK[:3], "基金收入", *FUND_OK[4:]]], "单位:元")),
        [(4, "项目", "不属于基金收入")],
    ),
    "empty_required": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, None, *KEY, c.oct])),
        [(4, "乡镇", "必填项为空")],
    ),
    "missing_column": Bad(
        "enrollment",
        x(lambda c: standard(ENROLL_HEADERS[:5], [[2023, 10, TOWN, *KEY]])),
        [(3, "参保人数", "缺少必填列")],
    ),
    "wrong_kind": Bad(
        "enrollment",
        x(lambda c: standard(FUND_HEADERS, [FUND_OK], "单位:元")),
        [(None, "", "找不到“参保人数(月度累计)”的表头")],
        sheet="",
    ),
    "unsupported_type": Bad(
        "enrollment",
        lambda tmp, c: (tmp / "bad.pdf").write_bytes(b"%PDF-1.4") and tmp / "bad.pdf",
        [(None, "", "不支持的文件类型“.pdf”")],
        sheet="",
    ),
    "corrupt_xlsx": Bad(
        "enrollment",
        lambda tmp, c: (tmp / "bad.xlsx").write_bytes(b"not a zip") and tmp / "bad.xlsx",
        [(None, "", "无法打开该 Excel 文件")],
        sheet="",
    ),
    "file_too_large": Bad(
        "enrollment",
        x(lambda c: enroll(c)),
        [(None, "", "文件过大")],
        sheet="",
        limits={"MAX_FILE_BYTES": 1000},
    ),
    "too_many_rows_csv": Bad(
        "enrollment",
        lambda tmp, c: write_csv(tmp / "bad.csv", enroll(c, *[good_enroll(c)] * 10)),
        [(None, "", "超过上限 5 行")],
        sheet="",
        limits={"MAX_ROWS": 5},
    ),
    "too_many_rows_xlsx": Bad(
        "enrollment",
        x(lambda c: enroll(c, *[good_enroll(c)] * 10)),
        [(None, "", "超过上限 5 行")],
        sheet="",
        limits={"MAX_ROWS": 5},
    ),
    "unknown_institution": Bad(
        "procurement",
        x(lambda c: standard(PROC_HEADERS, [[*PROC_OK[:3], "H999", 10]], "单位:盒")),
        [(4, "机构编码", "未在系统中登记")],
    ),
    "unknown_product": Bad(
        "procurement",
        x(lambda c: standard(PROC_HEADERS, [[2023, 10, "XX-01", *PROC_OK[3:]]], "单位:盒")),
        [(4, "产品编码", "不是已登记的集采中选产品")],
    ),
    "drg_case_in_other_month": Bad(
        "drg",
        x(lambda c: standard(DRG_HEADERS, [[1, *DRG_OK[1:]]], "单位:元")),
        [(4, "病例号", "已作为2022年1月的病例导入过")],
    ),
    "drg_unknown_group_and_type": Bad(
        "drg",
        x(
            lambda c: standard(
                DRG_HEADERS, [[*DRG_OK[:4], "ZZ99", 1.2, "超长病例", 1, 1]], "单位:元"
            )
        ),
        [(4, "DRG组", "不是已登记的DRG分组"), (4, "病例类型", "不是有效的病例类型")],
    ),
    "no_data_rows": Bad(
        "enrollment",
        x(lambda c: standard(ENROLL_HEADERS, [])),
        [(None, "", "没有数据行")],
    ),
    "every_problem_at_once": Bad(
        "enrollment",
        x(
            lambda c: enroll(
                c,
                [2023, 10, "不存在镇", *KEY, 1],
                [2023, 0, TOWN, *KEY, 1],
                [2023, 10, TOWN, "城镇职工医保", "外星人", -3],
            )
        ),
        [
            (4, "乡镇", "未知乡镇"),
            (5, "月份", "应在1到12之间"),
            (6, "人群类别", "不是有效的人群类别"),
            (6, "参保人数", "不能为负数"),
        ],
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_file_is_refused_with_located_messages(
    shared_warehouse: Engine,
    ctx: Ctx,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    case = BAD[name]
    path = case.build(tmp_path, ctx)
    for setting, value in (case.limits or {}).items():
        monkeypatch.setattr(load_specs, setting, value)
    before = table_state(shared_warehouse, case.kind)

    result = load_file(shared_warehouse, path, case.kind, user="tester")

    assert not result.ok
    assert result.rows == 0
    got = [(p.row, p.column, p.message) for p in result.problems]
    for row, column, fragment in case.expect:
        assert any(r == row and c == column and fragment in m for r, c, m in got), (
            f"expected ({row}, {column}, …{fragment}…) among {got}"
        )
    assert len(got) == len(case.expect), got
    assert all(p.sheet == case.sheet for p in result.problems)
    assert table_state(shared_warehouse, case.kind) == before
    assert problems_xlsx(result.problems)[:2] == b"PK"


def test_bad_corpus_is_large_enough() -> None:
    assert len(BAD) >= 25


# --- Awkward files that must be accepted (checked without writing) ---------------------------


def check(engine: Engine, path: Path, kind: str):
    s = spec(kind)
    table = reader.read(path, s, file_name=path.name)
    with engine.connect() as conn:
        typed, problems = validate(conn, table, s)
    assert problems == [], [p.text() for p in problems]
    return table, typed


def test_header_on_row_3_with_merged_cells(shared_warehouse: Engine, ctx: Ctx, tmp_path) -> None:
    # Title merged over the width, a unit line, then a two-row header: 年度/月份/乡镇 merged
    # vertically over rows 3-4, "参保情况" merged over the last three columns with sub-headers.
    rows = [
        ["2023年10月参保情况统计表", None, None, None, None, None],
        ["单位:人", None, None, None, None, None],
        ["年度", "月份", "乡镇", "参保情况", None, None],
        [None, None, None, "险种", "人群类别", "参保人数"],
        good_enroll(ctx),
        ["注:参保人数为本年度累计数", None, None, None, None, None],
    ]
    merges = ["A1:F1", "A3:A4", "B3:B4", "C3:C4", "D3:F3"]
    path = write_xlsx(tmp_path / "merged.xlsx", rows, merges=merges)
    table, typed = check(shared_warehouse, path, "enrollment")
    assert table.header_row == 4
    assert list(typed.index) == [5]
    assert typed.loc[5, "enrolled"] == ctx.oct


def test_full_width_digits_and_spaces(shared_warehouse: Engine, ctx: Ctx, tmp_path) -> None:
    full = "".join(chr(ord(d) + 0xFEE0) for d in str(ctx.oct))
    rows = standard(
        ["年 度", "月份 ", "乡镇(街道)", "险种", "人群类别", "参保人数"],
        [["２０２３", "１０月", "\u3000莲塘镇\u3000", " 城乡居民医保", "学生儿童 ", full]],
    )
    path = write_xlsx(tmp_path / "fullwidth.xlsx", rows)
    _, typed = check(shared_warehouse, path, "enrollment")
    assert typed.iloc[0].to_dict() == {
        "year": 2023,
        "month": 10,
        "township_code": "360121100",
        "scheme": "resident",
        "person_group": "student",
        "enrolled": ctx.oct,
    }


def test_wan_yuan_unit_is_converted(shared_warehouse: Engine, tmp_path) -> None:
    rows = standard(FUND_HEADERS, [[*FUND_OK[:5], "1,234.5678", 12]], "单位:万元")
    _, typed = check(shared_warehouse, write_xlsx(tmp_path / "wan.xlsx", rows), "fund")
    assert typed.iloc[0]["amount"] == 12_345_678.0


def test_wan_yuan_in_header(shared_warehouse: Engine, tmp_path) -> None:
    headers = [*FUND_HEADERS[:5], "金额(万元)", "结算人次"]
    rows = [headers, [*FUND_OK[:5], 2.5, 12], [*FUND_OK[:4], "普通门诊统筹", 0.5, 3]]
    rows.append(["合计", None, None, None, None, 3, 15])
    _, typed = check(shared_warehouse, write_xlsx(tmp_path / "wanh.xlsx", rows), "fund")
    assert list(typed["amount"]) == [25_000.0, 5_000.0]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_encodings(shared_warehouse: Engine, ctx: Ctx, tmp_path, encoding: str) -> None:
    path = write_csv(tmp_path / "e.csv", enroll(ctx, good_enroll(ctx)), encoding=encoding)
    _, typed = check(shared_warehouse, path, "enrollment")
    assert typed.iloc[0]["township_code"] == "360121100"


def test_township_by_code_and_matching_total(shared_warehouse: Engine, ctx: Ctx, tmp_path) -> None:
    rows = enroll(
        ctx,
        good_enroll(ctx, 10, "360121100"),
        good_enroll(ctx, 11),
        ["小计", None, None, None, None, ctx.oct + ctx.nov],
        ["合计", None, None, None, None, ctx.oct + ctx.nov],
    )
    table, typed = check(shared_warehouse, write_xlsx(tmp_path / "t.xlsx", rows), "enrollment")
    assert len(typed) == 2 and len(table.totals) == 2
