"""Number formatting as the bureau writes it (DOMAIN.md "How a report reads")."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from metrics.units import (
    MISSING,
    fmt_change,
    fmt_months,
    fmt_number,
    fmt_pct,
    fmt_person_times,
    fmt_persons,
    fmt_pp,
    fmt_wan_persons,
    fmt_wan_yuan,
    fmt_yi_yuan,
    growth_rate,
    persons_to_wan,
    round_half_up,
    safe_ratio,
    yuan_to_wan,
    yuan_to_yi,
)

NAN = float("nan")


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (0.125, 2, 0.13),  # half-up; Python's round(0.125, 2) gives 0.12 (half to even)
        (2.675, 2, 2.68),  # the float is 2.67499999...; we round what the user typed
        (2.5, 0, 3.0),  # round(2.5) == 2 in Python
        (-2.5, 0, -3.0),  # half away from zero
        (1.005, 2, 1.01),
        (94.515, 2, 94.52),
        (8.25, 1, 8.3),
        (1234.0, 2, 1234.0),
    ],
)
def test_round_half_up(x: float, digits: int, expected: float) -> None:
    assert round_half_up(x, digits) == expected


def test_round_half_up_nan_passes_through() -> None:
    assert math.isnan(round_half_up(NAN))


def test_raw_conversions_are_unrounded() -> None:
    assert yuan_to_wan(14568500) == pytest.approx(1456.85)  # 14568500 / 10^4
    assert yuan_to_wan(12345) == pytest.approx(1.2345)  # not rounded to 1.23
    assert yuan_to_yi(928000000) == pytest.approx(9.28)  # 928000000 / 10^8
    assert persons_to_wan(945200) == pytest.approx(94.52)  # 945200 / 10^4


def test_seed_002_figures() -> None:
    # Seed 002 §一: 94.52万人 = 83.68万 + 10.84万; 基金收入9.28亿; 医疗救助1,456.85万元.
    assert fmt_wan_persons(945200) == "94.52万人"
    assert fmt_wan_persons(836800) == "83.68万人"
    assert fmt_yi_yuan(928000000, unit="亿") == "9.28亿"
    assert fmt_yi_yuan(928000000) == "9.28亿元"
    assert fmt_wan_yuan(14568500) == "1456.85万元"
    assert fmt_wan_yuan(14568500, unit=False) == "1456.85"
    assert fmt_persons(19429) == "19429人"
    assert fmt_person_times(19429) == "19429人次"


def test_unit_conversions_round_half_up() -> None:
    # 945150 persons = 94.515万 -> 94.52 (half-up), not 94.51
    assert fmt_wan_persons(945150) == "94.52万人"
    # 555500000 元 = 5.555亿 -> 5.56 (half-up)
    assert fmt_yi_yuan(555500000, unit="亿") == "5.56亿"
    # 494041 元 = 49.4041万 -> 49.40 (trailing zero kept)
    assert fmt_wan_yuan(494041) == "49.40万元"
    # 1234567890 元 = 123456.789万 -> 123,456.79 with separators
    assert fmt_wan_yuan(1234567890, sep=True) == "123,456.79万元"
    assert fmt_wan_persons(945200, digits=1, unit=False) == "94.5"


def test_fmt_number() -> None:
    assert fmt_number(1234.5, sep=True) == "1,234.50"
    assert fmt_number(1234.5) == "1234.50"
    assert fmt_number(2.675) == "2.68"
    assert fmt_number(7, digits=0) == "7"
    assert fmt_number(Decimal("0.125")) == "0.13"
    assert fmt_number(-0.001) == "0.00"  # no "-0.00"


def test_fmt_persons_whole_half_up() -> None:
    assert fmt_persons(19428.5) == "19429人"  # half-up to whole persons
    assert fmt_persons(1000175, sep=True) == "1,000,175人"
    assert fmt_persons(19429, unit=False) == "19429"


def test_fmt_pct() -> None:
    assert fmt_pct(0.94517) == "94.52%"  # 94.517% -> 94.52%
    assert fmt_pct(1.02, digits=0) == "102%"  # "完成任务数的102%" (seed 001)
    assert fmt_pct(0.9383) == "93.83%"  # seed 004 DRG 支付率
    assert fmt_pct(0.00125) == "0.13%"  # 0.125% -> half-up


def test_fmt_pp() -> None:
    assert fmt_pp(0.0123) == "上升1.23个百分点"
    assert fmt_pp(-0.005) == "下降0.50个百分点"
    assert fmt_pp(0) == "持平"
    assert fmt_pp(0.00004) == "持平"  # 0.004 pp rounds to 0.00
    assert fmt_pp(0.0123, words=False) == "+1.23个百分点"
    assert fmt_pp(-0.005, words=False) == "-0.50个百分点"
    assert fmt_pp(0, words=False) == "0.00个百分点"
    # 0.94517 - 0.93 = 0.01517 -> 1.517 pp -> 1.5 with one digit
    assert fmt_pp(0.94517 - 0.93, digits=1) == "上升1.5个百分点"


def test_fmt_change() -> None:
    assert fmt_change(0.032) == "增长3.20%"
    assert fmt_change(-0.011) == "下降1.10%"
    assert fmt_change(0) == "持平"
    assert fmt_change(0.5, digits=0) == "增长50%"


def test_fmt_months() -> None:
    assert fmt_months(8.25) == "8.3个月"  # half-up
    assert fmt_months(12) == "12.0个月"


@pytest.mark.parametrize("missing", [None, NAN, float("inf"), Decimal("NaN")])
def test_missing_values_render_as_dash(missing: object) -> None:
    for fmt in (
        fmt_number,
        fmt_wan_yuan,
        fmt_yi_yuan,
        fmt_wan_persons,
        fmt_persons,
        fmt_person_times,
        fmt_pct,
        fmt_pp,
        fmt_change,
        fmt_months,
    ):
        assert fmt(missing) == MISSING == "—"


def test_pandas_na_renders_as_dash() -> None:
    pd = pytest.importorskip("pandas")
    assert fmt_pct(pd.NA) == "—"
    assert fmt_wan_yuan(pd.NA) == "—"


def test_numpy_scalars() -> None:
    np = pytest.importorskip("numpy")
    assert fmt_wan_persons(np.int64(945200)) == "94.52万人"
    assert fmt_number(np.float64(2.675)) == "2.68"


def test_non_numeric_input_raises_in_chinese() -> None:
    with pytest.raises(TypeError, match="无法作为数值处理"):
        fmt_number("abc")  # type: ignore[arg-type]


def test_growth_rate() -> None:
    assert growth_rate(103.2, 100) == pytest.approx(0.032)  # (103.2 - 100) / 100
    assert growth_rate(98.9, 100) == pytest.approx(-0.011)
    assert growth_rate(-50, -100) == pytest.approx(0.5)  # (-50 - -100) / |-100|: improved
    assert growth_rate(1, 0) is None
    assert growth_rate(1, None) is None
    assert growth_rate(1, NAN) is None
    assert growth_rate(None, 1) is None


def test_safe_ratio() -> None:
    assert safe_ratio(945200, 1000175) == pytest.approx(0.945035)  # 945200 / 1000175
    assert safe_ratio(1, 0) is None
    assert safe_ratio(1, None) is None
    assert safe_ratio(1, NAN) is None
    assert safe_ratio(None, 5) is None
    assert safe_ratio(0, 5) == 0.0
