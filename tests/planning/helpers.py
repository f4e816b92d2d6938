"""Shared by the planning and app-store tests: the official 参保任务数 a warehouse holds."""

from __future__ import annotations

from sqlalchemy import Engine, select

from data_sources.schema import enrollment_target


def official(engine: Engine, year: int) -> dict[tuple[str, str], int]:
    """(township, scheme) → the year's official target in `enrollment_target`."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                enrollment_target.c.township_code,
                enrollment_target.c.scheme,
                enrollment_target.c.target,
            ).where(enrollment_target.c.year == year)
        ).fetchall()
    return {(r[0], r[1]): int(r[2]) for r in rows}
