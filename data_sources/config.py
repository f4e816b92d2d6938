"""Where the warehouse is: one SQLAlchemy URL, from the environment, secrets or the demo default.

Order of precedence: the `WAREHOUSE_URL` environment variable, then `url` under
`[connections.warehouse]` in `.streamlit/secrets.toml`, then the embedded demo DuckDB file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DUCKDB_PATH = PROJECT_ROOT / "data" / "demo.duckdb"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def demo_url(path: Path = DEMO_DUCKDB_PATH) -> str:
    return f"duckdb:///{path}"


def _secrets_url(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        # A broken secrets file must not hide the environment or the demo; the page that
        # checks the warehouse reports the URL actually used.
        return None
    url = data.get("connections", {}).get("warehouse", {}).get("url")
    return str(url) if url else None


def warehouse_url(secrets_path: Path = SECRETS_PATH) -> str:
    """The SQLAlchemy URL of the warehouse to use."""
    return os.environ.get("WAREHOUSE_URL") or _secrets_url(secrets_path) or demo_url()


def redact(url: str) -> str:
    """The URL without its password, for messages shown on a page.

    >>> redact("postgresql+psycopg://bi:secret@db:5432/yb")
    'postgresql+psycopg://bi:***@db:5432/yb'
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(无法解析的地址)"
