"""The monthly pack: one zip with Chinese file names, each file opening with its own library,
watermarked outside demo mode, recorded in the audit log."""

from __future__ import annotations

import io
import zipfile

import pypdf
import pytest
from docx import Document
from openpyxl import load_workbook
from pptx import Presentation
from sqlalchemy import Engine

from auth import store
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from exports import pack
from exports.briefing_content import Content
from metrics import present
from metrics.execute import execute
from metrics.model import QuerySpec, Viewer
from tests.briefing.conftest import OCT_2023, XIANGTANG

NAMES = [
    "全县_2023年1-10月_医保工作运行情况汇报.docx",
    "全县_2023年1-10月_医保工作运行情况汇报.pdf",
    "全县_2023年1-10月_医保工作汇报PPT.pptx",
    "全县_2023年1-10月_主要指标.xlsx",
    "全县_2023年1-10月_预警事项.xlsx",
    "全县_2023年1-10月_各乡镇参保任务完成情况.xlsx",
]


@pytest.fixture(scope="module")
def audit_engine(tmp_path_factory: pytest.TempPathFactory):
    engine = create_warehouse_engine(demo_url(tmp_path_factory.mktemp("audit") / "a.duckdb"))
    store.ensure_tables(engine)
    yield engine
    engine.dispose()


def _tables(engine: Engine, content: Content, township: str | None = None):
    viewer = Viewer(name="t", townships=frozenset({township})) if township else Viewer()
    return pack.pack_tables(lambda spec: execute(engine, spec, viewer), content)


@pytest.fixture(scope="module")
def county_zip(demo_engine: Engine, county: Content, audit_engine: Engine) -> zipfile.ZipFile:
    data = pack.export_pack(
        audit_engine,
        "zhangsan",
        county,
        _tables(demo_engine, county),
        demo=False,
        when="2026-12-01 10:00",
    )
    return zipfile.ZipFile(io.BytesIO(data))


def test_zip_holds_the_expected_files(county_zip: zipfile.ZipFile) -> None:
    assert county_zip.namelist() == NAMES
    # Chinese names are stored as UTF-8 (flag 0x800), so Windows shows them as written.
    assert all(info.flag_bits & 0x800 for info in county_zip.infolist())


def test_each_file_opens_with_its_library(county_zip: zipfile.ZipFile, county: Content) -> None:
    doc = Document(io.BytesIO(county_zip.read(NAMES[0])))
    assert county.paragraph in [p.text for p in doc.paragraphs]
    pdf = pypdf.PdfReader(io.BytesIO(county_zip.read(NAMES[1])))
    assert len(pdf.pages) >= 3
    deck = Presentation(io.BytesIO(county_zip.read(NAMES[2])))
    assert len(deck.slides) >= 5
    for name in NAMES[3:]:
        sheet = load_workbook(io.BytesIO(county_zip.read(name))).active
        assert sheet["A1"].value.startswith("全县2023年1-10月")


def test_township_table_equals_the_metrics_layer(
    county_zip: zipfile.ZipFile, demo_engine: Engine
) -> None:
    sheet = load_workbook(io.BytesIO(county_zip.read(NAMES[5]))).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    header, body = rows[0], rows[1:]
    frame = execute(
        demo_engine, QuerySpec.make(["enrolled"], OCT_2023, ["township"]), Viewer()
    ).frame
    assert len(body) == len(frame) == 20
    column = header.index(present.header("enrolled", township=True))
    by_name = {r[0]: r[column] for r in body}
    for name, value in zip(frame["township_name"], frame["enrolled"], strict=True):
        assert by_name[name] == int(value)  # whole persons per township


def test_watermarked_outside_demo_mode(county_zip: zipfile.ZipFile) -> None:
    mark = "导出:zhangsan 2026-12-01 10:00"
    doc = Document(io.BytesIO(county_zip.read(NAMES[0])))
    assert mark in doc.sections[0].header.paragraphs[0].text
    pdf = pypdf.PdfReader(io.BytesIO(county_zip.read(NAMES[1])))
    assert "zhangsan" in "".join(p.extract_text() for p in pdf.pages).replace(" ", "")
    deck = Presentation(io.BytesIO(county_zip.read(NAMES[2])))
    texts = [s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame]
    assert mark in texts
    book = load_workbook(io.BytesIO(county_zip.read(NAMES[3])))
    assert mark in book.active.oddHeader.right.text


def test_recorded_in_the_audit_log(county_zip: zipfile.ZipFile, audit_engine: Engine) -> None:
    log = store.read_audit(audit_engine, username="zhangsan", action="export")
    assert len(log) == 1
    assert log.iloc[0]["detail"] == "月度汇报包;范围:全县;期间:2023年1-10月;文件6个"


def test_demo_pack_has_no_watermark_and_township_names(
    demo_engine: Engine, township: Content, audit_engine: Engine
) -> None:
    data = pack.export_pack(
        audit_engine,
        "演示",
        township,
        _tables(demo_engine, township, XIANGTANG),
        demo=True,
        when="x",
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [
        "向塘镇_2023年1-10月_医保工作运行情况汇报.docx",
        "向塘镇_2023年1-10月_医保工作运行情况汇报.pdf",
        "向塘镇_2023年1-10月_医保工作汇报PPT.pptx",
        "向塘镇_2023年1-10月_主要指标.xlsx",
        "向塘镇_2023年1-10月_预警事项.xlsx",
    ]
    doc = Document(io.BytesIO(archive.read(archive.namelist()[0])))
    assert "导出" not in doc.sections[0].header.paragraphs[0].text
