"""Every data page's metric specs give on Spark the frames they give on DuckDB (county demo).

The specs are recorded from the pages themselves (`tests.spark.pagespecs`); each distinct one
runs once per engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from data_sources.engine import create_warehouse_engine
from metrics.execute import execute
from metrics.model import QuerySpec, Viewer
from tests.spark import pagespecs

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def page_specs(
    demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[tuple[QuerySpec, Viewer]]]:
    return pagespecs.record(demo_duckdb_path, tmp_path_factory.mktemp("pagespecs"))


@pytest.fixture(scope="module")
def engines(spark_demo_url: str, demo_warehouse_url: str) -> Iterator[tuple[Engine, Engine]]:
    spark = create_warehouse_engine(spark_demo_url)
    duck = create_warehouse_engine(demo_warehouse_url, read_only=True)
    yield spark, duck
    spark.dispose()
    duck.dispose()


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for name in out.columns:
        # DuckDB's frames carry DATE columns as datetime64, the other drivers as dates.
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.date
        if out[name].dtype == object:
            out[name] = out[name].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return out


def test_every_page_asks_for_figures(page_specs) -> None:
    assert set(page_specs) == set(pagespecs.DATA_PAGES)
    assert all(page_specs.values()), {k: len(v) for k, v in page_specs.items()}


def test_page_specs_give_duckdbs_frames_on_spark(page_specs, engines) -> None:
    spark, duck = engines
    distinct = list(dict.fromkeys(sv for specs in page_specs.values() for sv in specs))
    assert len(distinct) >= 40
    # Three sessions at a time: most of a Spark statement's second is planning and scheduling
    # in the driver, which overlaps well; the cluster has two executor cores.
    with ThreadPoolExecutor(max_workers=3) as pool:
        on_spark = list(pool.map(lambda sv: execute(spark, *sv), distinct))
    differ = []
    for (spec, viewer), got in zip(distinct, on_spark, strict=True):
        want = execute(duck, spec, viewer)
        try:
            pd.testing.assert_frame_equal(
                _comparable(got.frame),
                _comparable(want.frame),
                check_dtype=False,
                check_exact=False,
                rtol=1e-9,
            )
            assert (got.level, got.suppressed, got.notes) == (
                want.level,
                want.suppressed,
                want.notes,
            )
        except AssertionError as exc:
            differ.append(f"{spec}: {str(exc)[:400]}")
    assert not differ, "\n".join(differ[:5])
