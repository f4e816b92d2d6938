"""Every import kind, old and new, has a template the reader recognises whole, and the CLI help
lists the kinds in the order a new warehouse is filled (dimensions before facts)."""

from __future__ import annotations

import pytest

from data_sources import load, reader, templates
from data_sources.load_specs import LOAD_STEPS, SPECS
from data_sources.schema import FACT_TABLES, LOAD_ORDER, township_boundary, village


def test_every_table_the_pages_read_has_an_import_kind() -> None:
    # Villages are not read by any page (no metric declares them); township boundaries are a
    # GeoJSON file, loaded on the import page through data_sources.boundaries.
    loaded = {s.table.name for s in SPECS.values()}
    assert loaded == {t.name for t in LOAD_ORDER} - {village.name, township_boundary.name}
    assert {t.name for t in FACT_TABLES} <= loaded


def test_dimensions_come_before_the_facts_that_name_them() -> None:
    for i, kind in enumerate(LOAD_STEPS):
        for first in SPECS[kind].depends:
            assert LOAD_STEPS.index(first) < i, (kind, first)
    assert LOAD_STEPS[0] == "townships"


@pytest.mark.parametrize("kind", list(SPECS))
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_is_read_with_every_header(kind: str, fmt: str) -> None:
    s = SPECS[kind]
    data = templates.xlsx_bytes(kind) if fmt == "xlsx" else templates.csv_bytes(kind)
    table = reader.read(data, s, file_name=templates.file_name(kind, fmt))
    assert set(table.headers) == {f.column for f in s.fields}
    assert len(table.frame) == 1  # the example row


def test_cli_help_shows_the_order(capsys) -> None:
    with pytest.raises(SystemExit):
        load.main(["--help"])
    out = capsys.readouterr().out
    assert "导入顺序(先名录后数据):1. townships 乡镇(街道)名录" in out
    assert out.index("townships") < out.index("enrollment") < out.index("drg DRG结算病例")
