"""Missing cells read "—" on every grid: the seam (ui/grid.py) is the only way pages draw one, and
the page tests' check (tests/pages/cells.py) catches Streamlit's default "None"."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.pages.cells import missing_words_shown

ROOT = Path(__file__).resolve().parents[2]


def _grids(through_seam: bool) -> None:
    import pandas as pd
    import streamlit as st

    from ui import grid

    frame = pd.DataFrame(
        {"批次": ["第七批", "第八批"], "结余留用(万元)": pd.array([1.5, None], dtype="Float64")}
    )
    (grid.dataframe if through_seam else st.dataframe)(frame, hide_index=True)


def test_a_plain_grid_shows_none_and_the_check_says_where() -> None:
    at = AppTest.from_function(_grids, args=(False,)).run()
    assert missing_words_shown(at) == ["表1 第1行 结余留用(万元): None"]


def test_the_seam_shows_a_dash() -> None:
    at = AppTest.from_function(_grids, args=(True,)).run()
    assert not at.exception
    assert at.dataframe[0].proto.placeholder == "—"
    assert missing_words_shown(at) == []


def test_text_spelling_a_missing_value_is_caught() -> None:
    def script() -> None:
        import pandas as pd

        from ui import grid

        grid.dataframe(pd.DataFrame({"机构": ["甲", "nan"]}), hide_index=True)

    at = AppTest.from_function(script).run()
    assert missing_words_shown(at) == ["表1 第1行 机构: nan"]


def test_no_page_draws_a_grid_around_the_seam() -> None:
    direct = re.compile(r"\bst\.(dataframe|data_editor|table)\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("pages", "ui")
        for path in sorted((ROOT / folder).glob("*.py"))
        if path.name != "grid.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []
