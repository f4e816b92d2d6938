"""Logins do not tell who has an account: same message, same time, for unknown and known users."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import Engine

from auth import store
from data_sources.engine import create_warehouse_engine
from metrics import settings

RUNS = 5


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = create_warehouse_engine(f"duckdb:///{tmp_path / 'accounts.duckdb'}")
    store.ensure_tables(eng)
    store.create_user(eng, "zhangsan", "correct-horse", "科室人员")
    yield eng
    eng.dispose()


def _refusal(engine: Engine, username: str, password: str) -> tuple[float, str]:
    start = time.perf_counter()
    with pytest.raises(store.AuthError) as info:
        store.authenticate(engine, username, password)
    return time.perf_counter() - start, info.value.message


def test_dummy_hash_costs_what_a_real_hash_costs() -> None:
    real = store.hash_password("correct-horse").encode()
    assert store._DUMMY_HASH[:7] == real[:7] == bcrypt.gensalt()[:7]  # "$2b$12$"
    assert not bcrypt.checkpw(b"", store._DUMMY_HASH)


def test_unknown_user_wrong_password_and_locked_take_the_same_time(engine: Engine) -> None:
    assert settings.LOGIN_MAX_FAILURES == RUNS  # the fifth wrong password locks the account
    unknown = [_refusal(engine, f"nobody{i}", "correct-horse") for i in range(RUNS)]
    wrong = [_refusal(engine, "zhangsan", f"wrong-{i}") for i in range(RUNS)]
    locked = [_refusal(engine, "zhangsan", "correct-horse") for _ in range(RUNS)]
    messages = {m for _, m in unknown + wrong + locked}
    assert messages == {store.refused_message()}, "one message for all three"
    t_unknown, t_wrong, t_locked = (
        statistics.median(t for t, _ in runs) for runs in (unknown, wrong, locked)
    )
    print(f"median: unknown {t_unknown:.3f}s, wrong {t_wrong:.3f}s, locked {t_locked:.3f}s")
    assert 0.5 <= t_unknown / t_wrong <= 2, (t_unknown, t_wrong)
    assert 0.5 <= t_locked / t_wrong <= 2, (t_locked, t_wrong)
    # the lockout still works: the right password is refused while locked
    details = store.read_audit(engine, username="zhangsan", action="login_failed")["detail"]
    assert (details == "账号锁定中").sum() == RUNS
