"""The warehouse and the app store on different URLs, on real engines.

Copying the app tables (ids continue on every engine), a load whose log row goes to the app store
(and 数据截至 follows), a log write failing after the facts commit, scenario adoption across two
stores, 督办 cases on a separate store, init with --app-store-url.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select

from auth import roles as R
from auth import store
from data_sources import app_store, cases, init, scenarios
from data_sources.load import load_file
from data_sources.schema import enrollment, load_log, plan_scenario
from metrics import warehouse as W
from tests.loading.helpers import ENROLL_HEADERS, demo_rows, standard, write_xlsx
from tests.planning.helpers import official

from .conftest import (
    LOGGED_END,
    TARGETS_2024,
    fill_small_warehouse,
    new_app_store,
    new_warehouse,
    rows,
)

PW = "password-1"


def _max(engine: Engine, column) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(column))).scalar() or 0)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mariadb", "duckdb"])
def test_copy_moves_every_app_table_and_ids_continue(
    kind: str, request: pytest.FixtureRequest, demo_copy, tmp_path: Path
) -> None:
    wh = demo_copy()
    store.create_user(wh, "staff", PW, R.STAFF)  # one app_user row, one audit line
    sid = scenarios.save_scenario(
        wh,
        year=2027,
        name="初稿",
        author="planner",
        method="population",
        parameters={},
        targets={("360121100", "resident"): 5, ("360121101", "resident"): 7},
    )
    source = {
        t.name: rows(wh, t)
        for t in app_store.app_tables()
        if t.name in inspect(wh).get_table_names()
    }
    app = new_app_store(request, kind, tmp_path)
    assert app_store.migration_hint(wh, app) is not None  # accounts left behind: say so
    counts = app_store.copy_app_tables(wh, app)
    assert counts == source
    assert counts["app_user"] == 1 and counts["plan_scenario_target"] == 2
    assert app_store.migration_hint(wh, app) is None
    assert store.authenticate(app, "staff", PW).username == "staff"
    # New rows get the next ids on every engine (sequences moved past the copied ids).
    top_audit, top_load = _max(app, store.audit_log.c.audit_id), _max(app, load_log.c.load_id)
    store.audit(app, "staff", "export", "测试")
    assert _max(app, store.audit_log.c.audit_id) == top_audit + 1
    new_sid = scenarios.save_scenario(
        app,
        year=2027,
        name="二稿",
        author="planner",
        method="population",
        parameters={},
        targets={("360121100", "resident"): 6},
    )
    assert new_sid == sid + 1
    with app.begin() as conn:
        from data_sources.writer import record_load

        record_load(
            conn,
            table_name="enrollment",
            period="2026-11",
            period_end=dt.date(2026, 11, 30),
            rows=1,
            source="测试",
            checksum="-",
            loaded_by="pytest",
        )
    assert _max(app, load_log.c.load_id) == top_load + 1
    # A second copy would duplicate: refused, nothing changed.
    before = {t.name: rows(app, t) for t in app_store.app_tables()}
    with pytest.raises(app_store.AppStoreError, match="已有数据"):
        app_store.copy_app_tables(wh, app)
    assert {t.name: rows(app, t) for t in app_store.app_tables()} == before
    app.dispose()


def _november_file(wh: Engine, tmp_path: Path) -> Path:
    """The demo's 2026-10 enrollment rows as 2026-11 (cumulative counts unchanged)."""
    october = demo_rows(wh, "enrollment", 2026, 10)
    november = [[r[0], 11, *r[2:]] for r in october]
    return write_xlsx(tmp_path / "参保人数2026年11月.xlsx", standard(ENROLL_HEADERS, november))


def _november_facts(wh: Engine) -> int:
    with wh.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(enrollment.c.year == 2026, enrollment.c.month == 11)
            ).scalar_one()
        )


def test_load_logs_in_the_app_store_and_freshness_follows(
    request: pytest.FixtureRequest, demo_copy, tmp_path: Path
) -> None:
    wh = demo_copy()
    app = new_app_store(request, "sqlite", tmp_path)
    app_store.copy_app_tables(wh, app)
    wh_url = wh.url.render_as_string(hide_password=False)
    app_url = app.url.render_as_string(hide_password=False)
    W._freshness.clear()
    before = W._freshness(wh_url, app_url)
    assert before.label() == "数据截至:2026年10月31日"
    warehouse_log = rows(wh, load_log)
    path = _november_file(wh, tmp_path)

    # The app store fails just after the facts commit: the facts stay, the result says so.
    result = load_file(
        wh,
        path,
        "enrollment",
        user="张三",
        app_engine=app,
        fail_log_write=True,
        accept_warnings=True,
    )
    assert result.ok and "重新导入同一文件" in result.log_error
    assert result.log_error in result.message()
    facts = _november_facts(wh)
    assert facts == result.rows > 0
    assert _max(app, load_log.c.load_id) == before.version  # no log row yet

    # The repair: the same file again replaces its slice and writes the log row.
    result = load_file(wh, path, "enrollment", user="张三", app_engine=app, accept_warnings=True)
    assert result.ok and not result.log_error
    assert _november_facts(wh) == facts
    with app.connect() as conn:
        last = conn.execute(select(load_log).order_by(load_log.c.load_id.desc()).limit(1)).one()
    assert (last.table_name, last.period, last.loaded_by) == ("enrollment", "2026-11", "张三")
    assert last.load_id == before.version + 1
    assert rows(wh, load_log) == warehouse_log  # the warehouse's old log is left alone
    W._freshness.clear()
    after = W._freshness(wh_url, app_url)
    assert after.version == last.load_id
    assert after.label() == "数据截至:2026年11月30日"
    assert cases.latest_month(app) == (2026, 11)  # the 督办 hook reads the same log
    app.dispose()


@pytest.mark.parametrize(
    ("wh_kind", "app_kind"),
    [("duckdb", "sqlite"), ("duckdb", "postgresql"), ("postgresql", "mariadb")],
)
def test_scenario_adoption_across_two_stores(
    wh_kind: str, app_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    wh = new_warehouse(request, wh_kind, tmp_path)
    app = new_app_store(request, app_kind, tmp_path)
    fill_small_warehouse(wh, app)
    plan = {k: v + 1000 for k, v in TARGETS_2024.items()}
    sid = scenarios.save_scenario(
        app,
        year=2024,
        name="增一千",
        author="planner",
        method="population",
        parameters={"note": "测试"},
        targets=plan,
    )
    assert "plan_scenario" not in inspect(wh).get_table_names()
    logged = rows(app, load_log)

    with pytest.raises(RuntimeError):  # a failure after the DELETE: nothing changes anywhere
        scenarios.adopt_scenario(wh, sid, "planner", app_engine=app, _fail_after_delete=True)
    assert official(wh, 2024) == TARGETS_2024
    assert rows(app, load_log) == logged

    scenarios.adopt_scenario(wh, sid, "planner", app_engine=app)
    assert official(wh, 2024) == plan
    with app.connect() as conn:
        adopted_by = conn.execute(
            select(plan_scenario.c.adopted_by).where(plan_scenario.c.scenario_id == sid)
        ).scalar_one()
        last = conn.execute(select(load_log).order_by(load_log.c.load_id.desc()).limit(1)).one()
    assert adopted_by == "planner"
    assert (last.table_name, last.period, last.row_count) == ("enrollment_target", "2024", 6)
    assert last.period_end == LOGGED_END  # the newest logged 数据截至, not the plan's year
    assert rows(app, load_log) == logged + 1
    wh.dispose()
    app.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_cases_on_a_separate_store(
    kind: str, request: pytest.FixtureRequest, demo_copy, tmp_path: Path
) -> None:
    wh = demo_copy()
    app = new_app_store(request, kind, tmp_path)
    app_store.copy_app_tables(wh, app)
    assert "case" not in inspect(wh).get_table_names()
    latest = cases.latest_month(app)
    assert latest == (2026, 10)
    counts = cases.evaluate_month(wh, *latest, username="pytest", app_engine=app)
    assert counts["open"] > 0
    assert "case" not in inspect(wh).get_table_names()  # nothing written to the warehouse
    assert rows(app, cases.case_table) == counts["open"]
    events = rows(app, cases.case_event)
    again = cases.evaluate_month(wh, *latest, username="pytest", app_engine=app)
    assert sum(again.values()) == 0 and rows(app, cases.case_event) == events  # idempotent
    leader = R.User("leader", "领导", frozenset({R.LEADER}), frozenset())
    listed = cases.list_cases(app, leader)
    assert len(listed) == counts["open"]
    # Each case step is audited in the same store.
    with app.connect() as conn:
        audited = conn.execute(
            select(func.count()).where(store.audit_log.c.action == "case")
        ).scalar_one()
    assert audited == events
    app.dispose()


def test_init_puts_app_tables_in_the_app_store(tmp_path: Path) -> None:
    wh_url = f"duckdb:///{tmp_path / 'yb.duckdb'}"
    app_url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    out: list[str] = []
    code = init.run(
        wh_url,
        "某某县",
        "360121",
        "县",
        admin="admin",
        password=lambda: PW,
        out=out.append,
        app_store_url=app_url,
    )
    assert code == init.EXIT_OK, out
    assert any("应用库" in line for line in out)
    wh = app_store.create_app_engine(wh_url)
    app = app_store.create_app_engine(app_url)
    wh_tables, app_tables = set(inspect(wh).get_table_names()), set(inspect(app).get_table_names())
    names = {t.name for t in app_store.app_tables()}
    assert names <= app_tables and not (names & wh_tables)
    assert "township" in wh_tables and "township" not in app_tables
    assert store.authenticate(app, "admin", PW).roles == {R.ADMIN}
    wh.dispose()
    app.dispose()


@pytest.mark.parametrize("app_kind", ["same", "sqlite"])
def test_rebuild_keeps_accounts_and_restarts_the_load_log(
    app_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """What the demo builder does (writer.write_all), with the app store apart or not."""
    import pandas as pd

    from data_sources.schema import LOAD_ORDER
    from data_sources.writer import write_all

    wh = new_warehouse(request, "duckdb", tmp_path)
    app = wh if app_kind == "same" else new_app_store(request, app_kind, tmp_path)
    empty = {t.name: pd.DataFrame(columns=[c.name for c in t.columns]) for t in LOAD_ORDER}

    def rebuild() -> None:
        write_all(
            wh,
            empty,
            period="2026-01~2026-10",
            period_end=dt.date(2026, 10, 31),
            source="演示数据(测试)",
            loaded_by="demo",
            app_engine=app,
        )

    rebuild()
    store.ensure_tables(app)
    store.create_user(app, "staff", PW, R.STAFF)
    rebuild()
    assert rows(app, load_log) == len(LOAD_ORDER)  # started afresh with the data
    assert store.authenticate(app, "staff", PW).username == "staff"  # kept
    if app is not wh:
        assert not {"load_log", "app_user"} & set(inspect(wh).get_table_names())
    wh.dispose()
    if app is not wh:
        app.dispose()


def test_rebuild_of_a_warehouse_built_before_the_split(tmp_path: Path) -> None:
    """Its plan_scenario_target has a foreign key to township: the rebuild still drops township."""
    import pandas as pd

    from data_sources.schema import LOAD_ORDER, metadata
    from data_sources.writer import write_all

    wh = app_store.create_app_engine(f"duckdb:///{tmp_path / 'old.duckdb'}")
    metadata.create_all(wh)
    with wh.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE plan_scenario_target (scenario_id INTEGER, township_code VARCHAR(12) "
            "REFERENCES township(code), scheme VARCHAR(12), target INTEGER NOT NULL, "
            "PRIMARY KEY (scenario_id, township_code, scheme))"
        )
    empty = {t.name: pd.DataFrame(columns=[c.name for c in t.columns]) for t in LOAD_ORDER}
    write_all(
        wh,
        empty,
        period="2026-01~2026-10",
        period_end=dt.date(2026, 10, 31),
        source="演示数据(测试)",
        loaded_by="demo",
        app_engine=wh,
    )
    assert rows(wh, load_log) == len(LOAD_ORDER)
    wh.dispose()


def test_several_writers_share_one_sqlite_store(tmp_path: Path) -> None:
    """Four engines (as four dashboard processes would) write audit lines at the same time."""
    import threading

    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    engines = [app_store.create_app_engine(url) for _ in range(4)]
    app_store.ensure_app_tables(engines[0])
    errors: list[str] = []

    def work(engine: Engine, k: int) -> None:
        try:
            for i in range(40):
                store.audit(engine, f"u{k}", "export", str(i))
        except Exception as exc:  # collected: an assertion in a thread would be lost
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(e, k)) for k, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rows(engines[0], store.audit_log) == 160
    assert _max(engines[0], store.audit_log.c.audit_id) == 160
    for e in engines:
        e.dispose()


def test_unreachable_app_store_is_named_not_the_warehouse(demo_warehouse_url: str) -> None:
    from data_sources.engine import check_warehouse, create_warehouse_engine

    wh = create_warehouse_engine(demo_warehouse_url, read_only=True)
    app = app_store.create_app_engine("postgresql+psycopg://postgres:Zq9-pw@127.0.0.1:1/app")
    status = check_warehouse(wh, app)
    assert (status.ok, status.problem) == (False, "app_store")
    assert "无法读取应用库" in status.message and "APP_STORE_URL" in status.message
    assert "Zq9-pw" not in status.message
    assert check_warehouse(wh).ok  # the same warehouse with its own app tables is fine
    wh.dispose()
    app.dispose()


def test_an_app_store_that_cannot_be_made_says_so(tmp_path: Path) -> None:
    wh = app_store.create_app_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    # /proc takes no new folders, even for root.
    with pytest.raises(app_store.AppStoreError) as err:
        app_store.get_app_engine(wh, "sqlite:////proc/yibao-app-store/app.sqlite")
    assert "无法打开或建立应用库" in err.value.message and "APP_STORE_URL" in err.value.message
    wh.dispose()
