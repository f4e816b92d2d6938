"""The 汇报材料 page: the 公文 paragraph the metrics layer gives, and the Word, PDF, PPT and monthly
pack buttons, for the county and for a township."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from exports.narrative import report_paragraph
from exports.wording import full_width
from metrics.execute import execute
from metrics.model import Period
from tests.pages.test_pages import VIEWER, open_page, warehouse  # noqa: F401  (fixture)

BUTTONS = ["下载文字(.txt)", "下载Word", "下载PDF", "生成汇报PPT", "生成月度汇报包(.zip)"]


@pytest.mark.parametrize("town", [None, "360121101"], ids=["county", "xiangtang"])
def test_briefing_page_shows_paragraph_and_pack(warehouse: Engine, town: str | None) -> None:  # noqa: F811
    at = open_page("pages/briefing.py", 2023, 10, town)
    assert not at.exception
    expected = report_paragraph(lambda s: execute(warehouse, s, VIEWER), Period(2023, 10), town)
    assert [c.value for c in at.code] == [expected]
    assert "，" in expected and "," not in expected
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[: len(BUTTONS)] == BUTTONS  # then each chart's PNG/SVG buttons


def _warning_lines(at) -> list[tuple[str, str]]:
    """(area, text) of each 预警事项 line a page shows (`:red[●] **area**:text…`)."""
    found = [re.search(r"\[●\] \*\*(.+?)\*\*[:：](.*)$", m.value) for m in at.markdown]
    return [(m.group(1), m.group(2)) for m in found if m]


def test_briefing_warnings_are_the_overviews(warehouse: Engine) -> None:  # noqa: F811
    overview = open_page("pages/overview.py", 2023, 10, None)
    briefing = open_page("pages/briefing.py", 2023, 10, None)
    assert not overview.exception and not briefing.exception
    shown, listed = _warning_lines(overview), _warning_lines(briefing)
    # The demo has hospitals paying ahead of time progress; DRG says 超进度 on both pages.
    assert any(area == "DRG预算执行" for area, _ in listed)
    assert [a for a, _ in shown] == [a for a, _ in listed]
    for (_, page_text), (_, material_text) in zip(shown, listed, strict=True):
        # The material writes 公文 punctuation; the overview may add a 督办 badge after the text.
        assert full_width(page_text).startswith(material_text), (page_text, material_text)
