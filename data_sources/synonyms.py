"""The wordings staff use for schemes, months and townships, mapped to the warehouse's codes.

Validation asks here before it refuses a cell, and a refusal lists the accepted forms.

    >>> code_for("城乡居民基本医疗保险", SCHEME_SYNONYMS)
    'resident'
    >>> parse_month("2023年10月"), parse_month("202310"), parse_month("10月")
    ((2023, 10), (2023, 10), (None, 10))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Other names of the two schemes, as sections write them (besides the labels in codes.SCHEMES).
SCHEME_SYNONYMS: dict[str, tuple[str, ...]] = {
    "resident": (
        "城乡居民医保",
        "居民医保",
        "城乡居民基本医疗保险",
        "城乡居民医疗保险",
        "居民基本医疗保险",
        "城乡居民",
        "居民",
    ),
    "employee": (
        "城镇职工医保",
        "职工医保",
        "城镇职工基本医疗保险",
        "职工基本医疗保险",
        "城镇职工医疗保险",
        "城镇职工",
        "职工",
    ),
}

ASSISTANCE_KIND_SYNONYMS: dict[str, tuple[str, ...]] = {
    "premium": ("资助参保", "参保资助", "资助参加基本医疗保险", "资助参保缴费"),
    "outpatient": ("门诊救助", "门诊"),
    "inpatient": ("住院救助", "住院"),
}

# Code field (warehouse column) -> synonyms by code.
FIELD_SYNONYMS: dict[str, Mapping[str, tuple[str, ...]]] = {
    "scheme": SCHEME_SYNONYMS,
    "kind": ASSISTANCE_KIND_SYNONYMS,
}

MONTH_FORMS = "10、10月、2023年10月、2023-10、2023/10、202310"

_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACES.sub("", text)


def code_for(text: str, synonyms: Mapping[str, Iterable[str]]) -> str | None:
    """The code a wording stands for, None when it is none of them."""
    wanted = _key(text)
    for code, names in synonyms.items():
        if wanted == code or wanted in (_key(n) for n in names):
            return code
    return None


def accepted(synonyms: Mapping[str, Iterable[str]]) -> str:
    """'城乡居民医保/居民医保/…;城镇职工医保/…': the accepted forms, for a refusal."""
    return ";".join("/".join(names) for names in synonyms.values())


_MONTH_FORMS = (
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^()(\d{1,2})\s*月?(份)?$"),
)


def parse_month(value: object) -> tuple[int | None, int] | None:
    """(year or None, month) from 10, '10月', '2023年10月', '2023-10', '202310'; None otherwise.

    A month outside 1..12 is still returned (the caller says what is wrong with it).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not float(value).is_integer():
            return None
        number = int(value)
        if 190001 <= number <= 210012:
            return number // 100, number % 100
        return None, number
    if hasattr(value, "year") and hasattr(value, "month"):  # a date cell
        return int(value.year), int(value.month)  # type: ignore[attr-defined]
    text = _key(str(value))
    for form in _MONTH_FORMS:
        m = form.match(text)
        if m:
            year = int(m.group(1)) if m.group(1) else None
            return year, int(m.group(2))
    return None


def township_names(code: str, name: str, aliases: str | None) -> list[str]:
    """Every name a township is known by: its name, its declared aliases, and the name
    without its 镇/乡/街道 suffix (莲塘镇 → 莲塘).

    >>> township_names("360121100", "莲塘镇", "莲塘开发区、小蓝经开区")
    ['莲塘镇', '莲塘开发区', '小蓝经开区', '莲塘']
    """
    names = [name, *split_aliases(aliases)]
    short = re.sub(r"(街道办事处|街道|镇|乡)$", "", name)
    if short and short != name and len(short) >= 2:
        names.append(short)
    return list(dict.fromkeys(n for n in names if n))


def split_aliases(aliases: str | None) -> list[str]:
    """'开发区、经开区,园区' -> ['开发区', '经开区', '园区']."""
    if not aliases:
        return []
    return [a.strip() for a in re.split(r"[、,,;;/]", str(aliases)) if a.strip()]


def township_lookup(rows: Iterable[tuple[str, str, str | None]]) -> dict[str, str]:
    """Name or alias -> code for (code, name, aliases) rows; a name two townships share (an
    ambiguous short name) maps to neither, so it is refused rather than guessed."""
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    for code, name, aliases in rows:
        for n in township_names(code, name, aliases):
            k = _key(n)
            if k in out and out[k] != code:
                ambiguous.add(k)
            out.setdefault(k, code)
    for k in ambiguous:
        out.pop(k, None)
    return out
