"""The area a warehouse covers (name, administrative code, level), as recorded by the init command.

Texts name the whole area by its level (DOMAIN.md, 公文): a 县 says 全县, a 区 全区, a 市 (a city
or a county-level city such as 石嘴山) 全市. Other modules ask here rather than writing "全县":

    >>> scope_word_for("市")
    '全市'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from data_sources.schema import region

LEVELS: tuple[str, ...] = ("县", "区", "市")
# A warehouse built before the region table existed (or by hand) reads as a county.
DEFAULT_LEVEL = "县"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str

    @property
    def scope_word(self) -> str:
        return scope_word_for(self.level)


def scope_word_for(level: str) -> str:
    """'全县' / '全区' / '全市' for a level; an unknown level reads as a county."""
    return f"全{level if level in LEVELS else DEFAULT_LEVEL}"


def check_region(name: str, code: str, level: str) -> list[str]:
    """Chinese problems of a region as typed on the command line (empty list: fine).

    >>> check_region("某某县", "36012", "省")
    ['行政区划代码应为6位数字(如 360121),填写的是“36012”。', '级别应为 县、区 或 市,填写的是“省”。']
    """
    problems = []
    if not name.strip() or len(name.strip()) > 32:
        problems.append("地区名称不能为空,且不超过32个字。")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        problems.append(f"行政区划代码应为6位数字(如 360121),填写的是“{code}”。")
    if level not in LEVELS:
        problems.append(f"级别应为 {'、'.join(LEVELS[:-1])} 或 {LEVELS[-1]},填写的是“{level}”。")
    return problems


def read_region(conn: Connection) -> Region | None:
    """The recorded region, None when none is recorded (or the table is missing)."""
    try:
        row = conn.execute(select(region.c.code, region.c.name, region.c.level).limit(1)).first()
    except SQLAlchemyError:
        # An older warehouse without the table: the caller falls back to the county default.
        conn.rollback()
        return None
    return None if row is None else Region(str(row.code), str(row.name), str(row.level))


def scope_word(conn: Connection) -> str:
    """How texts name the whole area: '全县', '全区' or '全市'."""
    found = read_region(conn)
    return found.scope_word if found else scope_word_for(DEFAULT_LEVEL)


def region_name(conn: Connection) -> str | None:
    """The recorded name (e.g. '南昌县'), None when none is recorded."""
    found = read_region(conn)
    return found.name if found else None


def write_region(engine: Engine, name: str, code: str, level: str) -> Region:
    """Records the region (one row: any earlier record is replaced), in one transaction."""
    with engine.begin() as conn:
        conn.execute(delete(region))
        conn.execute(
            insert(region).values(
                code=code,
                name=name.strip(),
                level=level,
                created_at=dt.datetime.now().replace(microsecond=0),
            )
        )
    return Region(code, name.strip(), level)
