"""The command line (exit codes, Chinese messages, error report) and legacy .xls files."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from data_sources import load
from data_sources.load_specs import spec

from .helpers import (
    ENROLL_HEADERS,
    FUND_HEADERS,
    demo_rows,
    fill_template,
    frame,
    standard,
    write_xlsx,
)


def test_cli_loads_and_refuses(warehouse: Engine, tmp_path: Path, capsys) -> None:
    url = warehouse.url.render_as_string(hide_password=False)
    rows = demo_rows(warehouse, "fund", 2023, 10)
    warehouse.dispose()  # the CLI opens the file itself
    good = fill_template("fund", rows, tmp_path / "基金台账2023年10月.xlsx")
    # Without --yes: the plan is printed and nothing is written (exit code 3).
    code = load.main([str(good), "--kind", "fund", "--url", url, "--user", "王五"])
    out = capsys.readouterr()
    assert code == 3, out.err
    assert "导入计划(只替换文件涉及的范围)" in out.out
    assert f"替换原有 {len(rows)} 行" in out.out
    assert "加 --yes 重新运行" in out.err
    code = load.main([str(good), "--kind", "fund", "--url", url, "--user", "王五", "--yes"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"导入成功:基金收支台账(月度) 2023-10 共 {len(rows)} 行" in out.out

    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        standard(ENROLL_HEADERS, [[2023, 10, "不存在镇", "城乡居民医保", "学生儿童", 1]]),
    )
    report = tmp_path / "问题清单.xlsx"
    code = load.main([str(bad), "--kind", "enrollment", "--url", url, "--report", str(report)])
    out = capsys.readouterr()
    assert code == 1
    assert "未导入:发现 1 个问题" in out.err
    assert "数据 第4行 “乡镇”列:未知乡镇“不存在镇”" in out.err
    ws = load_workbook(report).active
    assert [c.value for c in ws[2]] == ["工作表", "行号", "列", "问题说明"]
    assert [c.value for c in ws[3]][:3] == ["数据", 4, "乡镇"]

    assert load.main([str(tmp_path / "missing.xlsx"), "--kind", "fund", "--url", url]) == 1
    assert "找不到文件" in capsys.readouterr().err


def test_xls_is_read(warehouse: Engine, tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("台账")
    rows = standard(
        FUND_HEADERS, [[2023, 10, "城乡居民医保", "基金支出", "住院费用", 1.25, 7]], "单位:万元"
    )
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    path = tmp_path / "台账.xls"
    book.save(str(path))

    # 1.25万元 against the demo's ~13 million: a unit-slip warning, accepted here.
    result = load.load_file(warehouse, path, "fund", user="tester", accept_warnings=True)
    assert result.ok, result.problems
    stored = frame(
        warehouse,
        "SELECT amount, person_times FROM fund_ledger WHERE year = 2023 AND month = 10"
        " AND scheme = 'resident' AND flow = 'spending' AND item = 'inpatient'",
    )
    assert [float(a) for a in stored.amount] == [12_500.0]
    assert list(stored.person_times) == [7]
    assert spec("fund").table.name == "fund_ledger"
