"""Reading a KPI card's label in page tests: the label without its status badge."""

from __future__ import annotations

import re

# ui.layout.card appends the status as ':red-badge[▼ 滞后]'.
_BADGE = re.compile(r"\s*:[a-z]+-badge\[[^\]]*\]")


def card_label(label: str) -> str:
    """'参保任务完成率 :orange-badge[◆ 预警]' -> '参保任务完成率'.

    >>> card_label("参保任务完成率 :orange-badge[◆ 预警]")
    '参保任务完成率'
    """
    return _BADGE.sub("", label).strip()


def card_status(label: str) -> str | None:
    """The status word of a card's badge, or None: '参保任务完成率 :red-badge[▼ 滞后]' -> '滞后'."""
    found = re.search(r":[a-z]+-badge\[\S+ ([^\]]*)\]", label)
    return found.group(1) if found else None
