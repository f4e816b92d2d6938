"""One truth on every surface: a headline figure reads the same on the card, the chart, the table
and its Excel, and the briefing's chart notes; every township has one status on every page.

Expected values are computed by hand: plain SQL sums on the demo warehouse, written out with
Python's own Decimal arithmetic, independent of the metrics layer.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from charts import ChartText
from data_sources.config import demo_url
from exports.excel import table_xlsx
from exports.headlines import headline_charts
from metrics import present, service
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer
from tests.pages.test_pages import LIANTANG, VIEWER, XIANGTANG, card_value, open_page

YEAR, MONTH = 2023, 10
PERIOD = Period(YEAR, MONTH)
SCOPES = {"全县": None, "向塘镇": XIANGTANG, "莲塘镇": LIANTANG}


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("surfaces") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        yield service.get_engine(url)


def _sql(engine: Engine, sql: str, town: str | None) -> Decimal:
    where = " AND township_code = :town" if town else ""
    with engine.connect() as conn:
        value = conn.execute(text(sql + where), {"y": YEAR, "m": MONTH, "town": town}).scalar()
    return Decimal(str(value))


def _by_hand_enrolled(engine: Engine, town: str | None) -> Decimal:
    return _sql(engine, "SELECT SUM(enrolled) FROM enrollment WHERE year = :y AND month = :m", town)


def _persons_text(n: Decimal, town: str | None) -> str:
    """万人 with two decimals for the county, whole persons with separators for a township."""
    if town is None:
        wan = (n / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{wan}万人"
    return f"{int(n):,}人"


def _chart_frames(at: AppTest) -> list[tuple[dict, list]]:
    """Every Vega-Lite chart on the page: its spec and its datasets as frames."""
    found: list = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == "vega_lite_chart":
                frames = [
                    pa.ipc.open_stream(d.data.data).read_pandas() for d in child.proto.datasets
                ]
                found.append((json.loads(child.proto.spec), frames))
            walk(child)

    walk(at._tree)
    return found


@pytest.mark.parametrize("scope", list(SCOPES))
def test_enrolled_agrees_on_card_chart_table_excel_and_briefing_note(
    warehouse: Engine, scope: str
) -> None:
    town = SCOPES[scope]
    hand = _by_hand_enrolled(warehouse, town)
    shown = _persons_text(hand, town)
    if town is not None:
        assert "万人" not in shown

    # The metrics layer, at the level its result carries.
    filters = {"township": town} if town else {}
    result = execute(warehouse, QuerySpec.make(["enrolled"], PERIOD, (), filters), VIEWER)
    assert result.value("enrolled") == float(hand)
    assert result.text("enrolled") == shown

    # Card (参保扩面 and 总览).
    for page in ("pages/enrollment.py", "pages/overview.py"):
        at = open_page(page, YEAR, MONTH, town)
        assert not at.exception, [e.value for e in at.exception]
        assert card_value(at, "参保人数") == shown

    # Table and its Excel: the township's row, whole persons under 参保人数(人).
    rows = execute(warehouse, QuerySpec.make(["enrolled"], PERIOD, ["township"]), VIEWER)
    table = present.table(rows.frame, ["enrolled"], ["township"], total=result.frame.iloc[0])
    header = present.header("enrolled", "township")
    assert header == "参保人数(人)"
    ws = load_workbook(io.BytesIO(table_xlsx(table, title="t", unit_line="", cutoff=""))).active
    cells = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(5, ws.max_row + 1)}
    if town is not None:
        name = rows.frame.set_index("township").loc[town, "township_name"]
        assert cells[name].value == float(hand)
        assert cells[name].number_format == "#,##0"
    else:
        assert cells[present.TOTAL_LABEL].value == float(hand)

    # Briefing chart (PPT slide) and its note: the unit of the axis is the unit of the level.
    def chart_text(subject: str, unit: str) -> ChartText:
        return ChartText(f"{scope} {PERIOD.label()} {subject}", unit, "")

    def fetch(spec: QuerySpec):
        return execute(warehouse, spec, VIEWER)

    first = headline_charts(fetch, PERIOD, town, chart_text)[0]
    assert f"参保人数{shown}" in first.note
    spec = first.chart.to_dict()
    if town is None:
        assert spec["title"]["subtitle"][0].startswith("单位:%")
    else:
        assert spec["title"]["subtitle"][0] == "单位:人"
        layer = spec.get("layer", [spec])[0] if "layer" in spec else spec
        assert layer["encoding"]["y"]["title"] == "参保人数(人)"
        values = [
            row["人"]
            for data in spec["datasets"].values()
            for row in data
            if row.get("系列") == "实际参保人数"
        ]
        assert values and max(values) == float(hand)  # the axis runs in persons, as its title says


def test_overview_and_enrollment_give_every_township_the_same_status(warehouse: Engine) -> None:
    statuses = {}
    for page in ("pages/overview.py", "pages/enrollment.py"):
        at = open_page(page, YEAR, MONTH, None)
        assert not at.exception, [e.value for e in at.exception]
        ranking = [
            frame
            for spec, frames in _chart_frames(at)
            if "参保任务完成率排名" in spec.get("title", {}).get("text", "")
            for frame in frames
            if "enroll_completion_status_label" in frame.columns
        ]
        assert len(ranking) == 1, page
        frame = ranking[0]
        statuses[page] = dict(
            zip(frame["township"], frame["enroll_completion_status_label"], strict=True)
        )
        # The rank is shown as text next to the name, the colour is the status.
        assert all("名)" in n for n in frame["名称"])
    overview, enrollment = statuses.values()
    assert overview == enrollment
    assert len(overview) == 20
    # By hand for one township: completion against its targets' time progress.
    with warehouse.connect() as conn:
        enrolled = conn.execute(
            text(
                "SELECT SUM(enrolled) FROM enrollment WHERE year = 2023 AND month = 10"
                " AND township_code = :t"
            ),
            {"t": XIANGTANG},
        ).scalar()
        targets = dict(
            conn.execute(
                text(
                    "SELECT scheme, SUM(target) FROM enrollment_target WHERE year = 2023"
                    " AND township_code = :t GROUP BY scheme"
                ),
                {"t": XIANGTANG},
            ).fetchall()
        )
    expected = (float(targets["resident"]) * 1.0 + float(targets["employee"]) * 10 / 12) / float(
        sum(targets.values())
    )
    behind = expected - float(enrolled) / float(sum(targets.values()))
    word = "正常" if behind <= 0 else ("预警" if behind <= 0.05 else "滞后")
    assert overview[XIANGTANG] == word


def test_drg_over_pace_is_the_same_word_on_page_and_in_warnings(warehouse: Engine) -> None:
    at = open_page("pages/drg.py", YEAR, MONTH, None)
    assert not at.exception
    labels = set()
    for _, frames in _chart_frames(at):
        for frame in frames:
            if "drg_execution_status_label" in frame.columns:
                labels |= set(frame["drg_execution_status_label"])
    assert "滞后" not in labels
    overview = open_page("pages/overview.py", YEAR, MONTH, None)
    warnings = [m.value for m in overview.markdown if "DRG预算执行" in m.value]
    hospitals = execute(
        warehouse,
        QuerySpec.make(["drg_execution"], PERIOD, ["institution"], compare=("status",)),
        Viewer(),
    ).frame
    over = hospitals[hospitals["drg_execution_status_label"] == "超进度"]
    assert len(over) and "超进度" in labels  # the demo has hospitals paying ahead of time
    # Each warned hospital is one the page colours 超进度 (the overview lists at most 3).
    for name in over.sort_values("drg_execution_gap", ascending=False)["institution_name"][:3]:
        assert any(name in w for w in warnings), name


@pytest.mark.parametrize("scope", ["全县", "向塘镇"])
def test_briefing_drg_chart_legend_and_note_say_over_pace(warehouse: Engine, scope: str) -> None:
    town = SCOPES[scope]

    def fetch(spec: QuerySpec):
        return execute(warehouse, spec, VIEWER)

    def chart_text(subject: str, unit: str) -> ChartText:
        return ChartText(f"{scope} {PERIOD.label()} {subject}", unit, "")

    drg = [h for h in headline_charts(fetch, PERIOD, town, chart_text) if "DRG" in h.subject]
    assert len(drg) == 1
    spec = drg[0].chart.to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["正常", "预警", "超进度"]  # the PPT legend, as on the page
    assert "“超进度”" in drg[0].note and "滞后" not in drg[0].note
    # The statuses drawn are those of the one rule, by hand for one bar: paid ÷ budget vs 10/12.
    rows = [r for data in spec["datasets"].values() for r in data if "drg_execution" in r]
    assert rows
    for r in rows:
        gap = r["drg_execution"] - 10 / 12
        word = "超进度" if gap > 0.05 + 1e-12 else ("预警" if gap > 1e-12 else "正常")
        assert r["drg_execution_status_label"] == word
