"""Scratch databases for the onboarding tests: a fresh, uniquely named one each time."""

from __future__ import annotations

import itertools

import pytest

_COUNTER = itertools.count(1)


def scratch_url(databases, label: str) -> str:
    """A new empty database; skips (never falls back to the shared base database) when the
    server cannot create one, because these tests initialise and fill the whole warehouse."""
    url = databases.new(f"{label}{next(_COUNTER)}")
    if url == databases.base_url:
        pytest.skip("服务器不允许创建临时数据库,跳过(不在共用的库中建表)。")
    return url
