"""Township scope: a township officer sees their own township only, whatever the spec asks."""

from __future__ import annotations

import inspect
import math

import pandas as pd
import pytest
from sqlalchemy import Engine

from metrics import service
from metrics.compiler import compile_spec
from metrics.execute import Result, execute, render_sql
from metrics.model import Period, QuerySpec, Viewer
from tests.metrics.fixtures import T1, T2, T3

P3 = Period(2023, 3)
ONLY_T1 = Viewer(name="莲塘镇医保所", townships=frozenset({T1}), can_see_small_cells=True)
ONLY_T2 = Viewer(name="向塘镇医保所", townships=frozenset({T2}), can_see_small_cells=True)

# Metrics of every model that carries a township, directly or through the institution.
TOWNSHIP_METRICS = [
    "enrolled",
    "enroll_target",
    "registered_pop",
    "assist_times",
    "alert_persons",
    "proc_purchased",
    "proc_agreed",
    "proc_retained",
    "drg_paid",
    "drg_budget",
]
# The county fixture's T1 values (see test_metric_values.py for the arithmetic).
T1_VALUES = {
    "enrolled": 833,
    "enroll_target": 950,
    "registered_pop": 1000,
    "assist_times": 14,
    "alert_persons": 2,
    "proc_purchased": 410,
    "proc_agreed": 1200,
    "proc_retained": 1500.00,
    "drg_paid": 31000.00,
    "drg_budget": 100000.00,
}


def test_grouped_by_township_only_own_rows(duckdb_warehouse: Engine) -> None:
    frame = execute(
        duckdb_warehouse, QuerySpec.make(TOWNSHIP_METRICS, P3, ["township"]), ONLY_T1
    ).frame
    assert frame["township"].tolist() == [T1]
    assert frame["township_name"].tolist() == ["莲塘镇"]
    for mid, want in T1_VALUES.items():
        assert frame.loc[0, mid] == pytest.approx(want, rel=1e-9), mid


def test_county_total_is_own_total(duckdb_warehouse: Engine) -> None:
    result = execute(duckdb_warehouse, QuerySpec.make(TOWNSHIP_METRICS, P3), ONLY_T1)
    for mid, want in T1_VALUES.items():
        assert result.value(mid) == pytest.approx(want, rel=1e-9), mid


def test_other_township_asked_for_explicitly_is_empty(duckdb_warehouse: Engine) -> None:
    by_town = execute(
        duckdb_warehouse,
        QuerySpec.make(TOWNSHIP_METRICS, P3, ["township"], {"township": T2}),
        ONLY_T1,
    )
    assert by_town.frame.empty
    total = execute(
        duckdb_warehouse, QuerySpec.make(TOWNSHIP_METRICS, P3, (), {"township": [T2, T3]}), ONLY_T1
    )
    # sums over no rows are missing, counts are 0: nothing of T2 or T3 leaks
    assert {mid: total.value(mid) for mid in TOWNSHIP_METRICS} == {
        mid: (0 if mid in ("assist_times", "alert_persons") else None) for mid in TOWNSHIP_METRICS
    }
    # asking for both keeps only the own one
    both = execute(
        duckdb_warehouse,
        QuerySpec.make(["enrolled"], P3, ["township"], {"township": [T1, T2]}),
        ONLY_T1,
    ).frame
    assert both["township"].tolist() == [T1]


def test_other_townships_institutions_are_out_of_scope(duckdb_warehouse: Engine) -> None:
    frame = execute(
        duckdb_warehouse,
        QuerySpec.make(["drg_paid", "proc_purchased"], P3, ["institution"]),
        ONLY_T1,
    ).frame
    assert frame["institution"].tolist() == ["H360121001"]  # H1 (莲塘镇), never H2 (向塘镇)


def test_two_viewers_get_different_results(duckdb_warehouse: Engine) -> None:
    spec = QuerySpec.make(["enrolled", "drg_paid"], P3)
    first = execute(duckdb_warehouse, spec, ONLY_T1)
    second = execute(duckdb_warehouse, spec, ONLY_T2)
    county = execute(duckdb_warehouse, spec, Viewer())
    assert (first.value("enrolled"), second.value("enrolled")) == (833, 615)
    assert (first.value("drg_paid"), second.value("drg_paid")) == (31000, 16000)
    assert county.value("enrolled") == 1768
    # the scope is in the parameters of the statements, not in their text
    ((first_sql, first_params),) = [
        render_sql(q, duckdb_warehouse)
        for q in compile_spec(QuerySpec.make(["enrolled"], P3), ONLY_T1)
    ]
    ((second_sql, second_params),) = [
        render_sql(q, duckdb_warehouse)
        for q in compile_spec(QuerySpec.make(["enrolled"], P3), ONLY_T2)
    ]
    assert first_sql == second_sql
    assert T1 in first_params.values() and T2 not in first_params.values()
    assert T2 in second_params.values()


def test_empty_scope_sees_nothing(duckdb_warehouse: Engine) -> None:
    nobody = Viewer(name="anonymous", townships=frozenset())
    result = execute(duckdb_warehouse, QuerySpec.make(["enrolled", "drg_paid"], P3), nobody)
    assert result.empty
    assert math.isnan(result.frame["enrolled"].iloc[0])


# --- the service cache is keyed on the viewer -------------------------------------------------


def test_cached_execute_takes_the_viewer_as_a_hashed_argument() -> None:
    params = inspect.signature(service._cached_execute).parameters
    assert "viewer" in params  # no leading underscore: Streamlit hashes it into the key
    assert list(params) == ["url", "spec", "viewer", "version"]


def test_two_viewers_never_share_a_cached_result(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Viewer] = []

    def fake_execute(engine, spec, viewer):
        calls.append(viewer)
        return Result(spec=spec, frame=pd.DataFrame({"who": [viewer.name]}))

    monkeypatch.setattr(service, "execute", fake_execute)
    monkeypatch.setattr(service, "get_engine", lambda url: None)
    service._cached_execute.clear()
    spec = QuerySpec.make(["enrolled"], P3)
    try:
        a = service._cached_execute("duckdb:///fake", spec, ONLY_T1, 1)
        b = service._cached_execute("duckdb:///fake", spec, ONLY_T2, 1)
        again = service._cached_execute("duckdb:///fake", spec, ONLY_T1, 1)
    finally:
        service._cached_execute.clear()
    assert calls == [ONLY_T1, ONLY_T2]  # the third call came from the cache
    assert a.frame["who"].tolist() == ["莲塘镇医保所"]
    assert b.frame["who"].tolist() == ["向塘镇医保所"]
    assert again.frame["who"].tolist() == ["莲塘镇医保所"]


def test_fetch_passes_the_session_viewer(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    monkeypatch.setattr(service, "current_viewer", lambda: ONLY_T2)
    monkeypatch.setattr(service, "warehouse_url", lambda: "duckdb:///fake")
    monkeypatch.setattr(service, "freshness", lambda: type("F", (), {"version": 7})())
    monkeypatch.setattr(
        service, "_cached_execute", lambda url, spec, viewer, version: seen.append(viewer)
    )
    service.fetch(QuerySpec.make(["enrolled"], P3))
    assert seen == [ONLY_T2]
