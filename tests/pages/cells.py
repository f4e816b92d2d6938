"""What a user reads in the cells of a page's data grids (AppTest), for the "never None" check.

Streamlit draws a missing cell as the grid's placeholder, or as the word "None" when the grid has
none; a text cell reads as its text. So a grid shows "None" when it has a missing cell and no
placeholder, or a text cell spelling a missing value ('None', 'nan', '<NA>' from str()).
"""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

# Words a missing value turns into when a page formats it carelessly, and Streamlit's own default.
MISSING_WORDS = {"None", "none", "nan", "NaN", "<NA>", "NaT", "null"}
STREAMLIT_DEFAULT = "None"


def shown_text(value: object, placeholder: str) -> str | None:
    """The cell as drawn: the placeholder for a missing value, the text of a string, else None
    (a number, drawn by its column format).

    >>> shown_text(None, "None"), shown_text(float("nan"), "—"), shown_text("甲", "—")
    ('None', '—', '甲')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return placeholder
    if value is pd.NaT:
        return placeholder
    return value.strip() if isinstance(value, str) else None


def missing_words_shown(at: AppTest) -> list[str]:
    """'表3 第2行 结余留用(万元): None' for every grid cell of the page that reads as a missing
    value; empty when none does."""
    found = []
    for i, grid in enumerate(at.dataframe):
        proto = grid.proto
        placeholder = proto.placeholder if proto.HasField("placeholder") else STREAMLIT_DEFAULT
        frame = grid.value
        cells = [
            (frame.index[r], c, frame.iat[r, j])
            for j, c in enumerate(frame.columns)
            for r in range(len(frame))
        ]
        for row, col, value in cells:
            shown = shown_text(value, placeholder)
            if shown in MISSING_WORDS:
                found.append(f"表{i + 1} 第{row}行 {col}: {shown}")
        for name in [*frame.columns, *frame.index]:
            if str(name).strip() in MISSING_WORDS:
                found.append(f"表{i + 1} 表头或行名: {name}")
    return found
