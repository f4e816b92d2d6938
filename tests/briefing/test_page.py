"""The 汇报材料 page: the 公文 paragraph the metrics layer gives, and the Word, PDF, PPT and monthly
pack buttons, for the county and for a township."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from exports.narrative import report_paragraph
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
