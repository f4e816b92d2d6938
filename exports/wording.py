"""Wording choices of the 公文 text, each with its source, adjustable without code.

The defaults below follow DOMAIN.md ("How a bureau writes its documents") and seed 002. A bureau
that writes differently puts the keys it wants to change in a TOML file, ``wording.toml`` at the
project root (or the file named by the environment variable ``YIBAO_WORDING``), e.g.::

    yi_unit = "亿"            # seed 002 writes "9.28亿" in places
    income_note = ""          # no note after 基金收入

`wording()` reads the defaults and that file once per process; `table()` lists every choice with
its value and source (the README shows the same table).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path

from metrics import present, units
from metrics.model import Level

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = "YIBAO_WORDING"


@dataclass(frozen=True)
class Wording:
    """The choices; field metadata-free so a TOML file can override any of them by name."""

    scope_county: str = "全县"
    scope_district: str = "全区"
    scope_city: str = "全市"
    yi_from_yuan: float = 100_000_000.0
    yi_unit: str = "亿元"
    wan_unit: str = "万元"
    wan_person_times_from: float = 10_000.0
    rise: str = "增长"
    fall: str = "下降"
    flat: str = "持平"
    points: str = "个百分点"
    income_note: str = "(其中财政配套部分由市局统一做账)"
    county_spending_note: str = "(仅县域内医疗机构数据,县域外医疗机构由市局统一做账)"
    fund_pooled_note: str = "医保基金实行县级统筹,基金收支按全县统计,不分乡镇列示。"
    hidden_assistance: str = "医疗救助人次较少,为保护个人信息不予列示。"
    township_institutions: str = "辖区内定点医疗机构"
    organisation: str = "县医疗保障局"


SOURCES: dict[str, str] = {
    "scope_county": "DOMAIN.md 公文:县称“全县”(种子002)",
    "scope_district": "DOMAIN.md 公文:区称“全区”",
    "scope_city": "DOMAIN.md 公文:市或县级市称“全市”(种子000 石嘴山)",
    "yi_from_yuan": "DOMAIN.md:1亿元及以上写亿元,以下写万元(种子002:9.28亿、1456.85万元)",
    "yi_unit": "DOMAIN.md 公文“9.28亿元”;种子002部分写作“亿”",
    "wan_unit": "种子002“1456.85万元”",
    "wan_person_times_from": "DOMAIN.md:县级人次写万人次(种子002:59.16万人次);不足1万人次写人次",
    "rise": "DOMAIN.md:同比“增长3.49%”",
    "fall": "DOMAIN.md:同比“下降0.02个百分点”",
    "flat": "局内习惯:变化四舍五入为0时写“持平”",
    "points": "DOMAIN.md:比率的同比以“个百分点”表示",
    "income_note": "种子002 §一:基金收入后的说明",
    "county_spending_note": "种子002 §一:基金支出后的说明",
    "fund_pooled_note": "基金县级统筹,乡镇材料不列基金收支(DOMAIN.md)",
    "hidden_assistance": "DOMAIN.md:救助小数字不向无权限人员展示",
    "township_institutions": "乡镇材料中DRG、集采的主语",
    "organisation": "发文单位;仓库记录了地区时以“地区名称+医疗保障局”代替",
}

# Half-width -> full-width (written as escapes so an editor cannot fold them back).
PUNCTUATION = str.maketrans(
    {"(": "\uff08", ")": "\uff09", ":": "\uff1a", ";": "\uff1b", "?": "\uff1f", "!": "\uff01"}
)
FULL_COMMA = "\uff0c"


def _overrides(path: Path) -> dict:
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    known = {f.name: f.type for f in fields(Wording)}
    return {k: v for k, v in data.items() if k in known}


@lru_cache(maxsize=4)
def _load(path: str) -> Wording:
    return replace(Wording(), **_overrides(Path(path)))


def wording() -> Wording:
    """The defaults with the bureau's wording.toml applied (read once per process)."""
    return _load(os.environ.get(ENV_FILE) or str(ROOT / "wording.toml"))


def table() -> list[tuple[str, str, str]]:
    """(key, value, source) of every choice, for the README and the settings page."""
    w = wording()
    return [(f.name, str(getattr(w, f.name)), SOURCES[f.name]) for f in fields(Wording)]


def full_width(text: str) -> str:
    """公文 punctuation: ',' ( ) : ; to full width; a comma between digits (1,234) stays.

    >>> full_width("全县94.52万人,其中(居民)83.68万人:1,234")
    '全县94.52万人，其中（居民）83.68万人：1,234'
    """
    out = []
    for i, ch in enumerate(text):
        if ch == ",":
            between_digits = (
                0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
            )
            out.append(ch if between_digits else FULL_COMMA)
        else:
            out.append(ch.translate(PUNCTUATION))
    return "".join(out)


def scope_word(level: str, w: Wording | None = None) -> str:
    """'全县' for a 县, '全区' for a 区, '全市' for a 市 (or county-level city)."""
    w = w or wording()
    return {"区": w.scope_district, "市": w.scope_city}.get(level, w.scope_county)


def amount(yuan: float, w: Wording | None = None) -> str:
    """元 by size: 535602000 -> '5.36亿元', 14568500 -> '1456.85万元' (two decimals, half-up)."""
    w = w or wording()
    if abs(yuan) >= w.yi_from_yuan:
        return units.fmt_yi_yuan(yuan, unit=w.yi_unit)
    return units.fmt_wan_yuan(yuan, unit=False) + w.wan_unit


def persons(metric_id: str, value: float, level: Level = "county") -> str:
    """'94.52万人' for the county, '92316人' for a township (no thousands separator in a 公文).

    >>> persons("enrolled", 92316, "township"), persons("enrolled", 945200)
    ('92316人', '94.52万人')
    """
    return present.plain_text(metric_id, value, level=level)


def organisation(region_name: str | None, w: Wording | None = None) -> str:
    """The issuing unit: '南昌县医疗保障局' for a recorded region, else the wording's default.

    >>> organisation("南昌县"), organisation(None, Wording())
    ('南昌县医疗保障局', '县医疗保障局')
    """
    if region_name and region_name.strip():
        return f"{region_name.strip()}医疗保障局"
    return (w or wording()).organisation


def person_times(value: float, township: bool, w: Wording | None = None) -> str:
    """'59.16万人次' at county level from 1万 up; '19429人次' below or for a township."""
    w = w or wording()
    if not township and value >= w.wan_person_times_from:
        return units.fmt_number(units.persons_to_wan(value), digits=2) + "万人次"
    return units.fmt_number(value, digits=0) + "人次"


def change(change_value: float | None, rate: bool, w: Wording | None = None) -> str:
    """'同比增长3.20%', '同比下降0.50个百分点' (rates), '与上年同期持平'; '' when not comparable.

    `change_value` is a growth ratio for amounts, a ratio difference for rates
    (metrics.compare.change).
    """
    w = w or wording()
    if change_value is None or change_value != change_value:
        return ""
    shown = units.round_half_up(change_value * 100, 2)
    if shown == 0:
        return f"与上年同期{w.flat}"
    word = w.rise if shown > 0 else w.fall
    magnitude = units.fmt_number(abs(shown), digits=2)
    return f"同比{word}{magnitude}{w.points if rate else '%'}"
