"""Display tables print numbers with the decimals of their unit, read off the header."""

from __future__ import annotations

import pandas as pd

from metrics import present
from ui.layout import column_formats


def formats(frame: pd.DataFrame) -> dict[str, str]:
    return {name: config["type_config"]["format"] for name, config in column_formats(frame).items()}


def test_formats_follow_the_unit_in_the_header() -> None:
    frame = pd.DataFrame(
        {
            present.header("fund_income"): [5.56],  # 基金收入(亿元)
            present.header("assist_amount"): [380.0],  # 救助金额(万元)
            present.header("enroll_completion"): [94.5],  # (%)
            present.header("fund_months_payable"): [8.4],  # (个月)
            present.header("enrolled", township=True): [89145.0],  # 参保人数(人)
            "次均住院费用(元)": [14250.8],
            "较时序进度(百分点)": [3.5],
            "状态": ["正常"],  # text
            "说明(万元)": ["*"],  # a unit, but text (suppressed cells)
            "人次": [3],  # no unit in brackets
        }
    )
    assert formats(frame) == {
        present.header("fund_income"): "%,.2f",
        present.header("assist_amount"): "%,.2f",
        present.header("enroll_completion"): "percent",  # ratio values, shown as 94.52%
        present.header("fund_months_payable"): "%.1f",
        present.header("enrolled", township=True): "%,d",
        "次均住院费用(元)": "%,.2f",
        "较时序进度(百分点)": "%.2f",
    }


def test_decimals_match_the_rounding_of_scaled() -> None:
    # 380.004万元 is rounded to 2 decimals by scaled(), and the table prints 2.
    assert present.scaled("assist_amount", 3_800_040.0) == 380.0
    assert present.DECIMALS[present.display_fmt("assist_amount")] == 2
    assert present.scaled("fund_months_payable", 8.449) == 8.4
