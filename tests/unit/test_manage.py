"""The set-up script's small pure helpers (it is standard library only, run before any venv)."""

from __future__ import annotations

import doctest

import manage


def test_doctests() -> None:
    result = doctest.testmod(manage)
    assert result.attempted > 0 and result.failed == 0


def test_port_in_the_start_message() -> None:
    assert manage.server_port(["--server.port", "8600", "--server.headless", "true"]) == "8600"
    assert manage.server_port(["--server.port=8700"]) == "8700"
    assert manage.server_port(["--server.headless", "true"]) == "8501"
    assert manage.server_port(["--server.port"]) == "8501"  # incomplete: Streamlit will say so
