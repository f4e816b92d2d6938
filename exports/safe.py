"""Files the app writes hold data, never formulas it did not mean (formula / CSV injection).

Text that reaches a spreadsheet can come from anyone: a township name, a file name in the
problem report, a scenario name typed on the planning page. A cell such as
``=HYPERLINK("http://x","点击")`` must open as that text, not as a live formula.

- .xlsx (openpyxl): openpyxl turns any string starting with "=" into a formula cell; `text_only`
  turns every such cell of a workbook back into text just before it is saved. Other strings
  ("+1", "@SUM(A1)", a leading tab) are already stored as text in .xlsx, which Excel never
  evaluates. The app writes no formulas today; one it means must be set after `text_only`.
- .csv: Excel evaluates a field starting with = + - @ (and full-width forms), tab or CR, so such
  a field gets the usual OWASP escape, a leading apostrophe, unless it is a plain number
  ("-12.5" stays a number).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# = + - @, the full-width and typographic variants Excel also accepts, tab, CR and LF.
TRIGGERS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\u2212", "\uff20", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d[\d,]*)(\.\d+)?([eE][+-]?\d+)?$")


def text_only(workbook: Any) -> Any:
    """Makes every formula cell of an openpyxl workbook a text cell, value unchanged.

    >>> from openpyxl import Workbook
    >>> wb = Workbook()
    >>> wb.active["A1"] = "=1+2"
    >>> text_only(wb).active["A1"].data_type
    's'
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.value = str(cell.value)
                    cell.data_type = "s"
    return workbook


def csv_field(value: object) -> object:
    """One CSV field made safe: text Excel would evaluate gets a leading apostrophe.

    >>> csv_field("=1+2"), csv_field("-1+2"), csv_field("-12.5"), csv_field("莲塘镇"), csv_field(7)
    ("'=1+2", "'-1+2", '-12.5', '莲塘镇', 7)
    """
    if not isinstance(value, str) or not value.startswith(TRIGGERS):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def csv_row(values: Iterable[object]) -> list[object]:
    """`csv_field` on every field of a row (for `csv.writer.writerow`)."""
    return [csv_field(v) for v in values]
