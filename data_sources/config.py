"""Where the warehouse and the app store are: SQLAlchemy URLs from the environment, secrets or defaults.

Warehouse: the `WAREHOUSE_URL` environment variable, then `url` under `[connections.warehouse]`
in `.streamlit/secrets.toml`, then the embedded demo DuckDB file.

App store (accounts, audit log, load log, scenarios, 督办 cases): `APP_STORE_URL`, then
`[connections.app_store] url`, then a default that depends on the warehouse (`app_store_url`).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_DUCKDB_PATH = PROJECT_ROOT / "data" / "demo.duckdb"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def demo_url(path: Path = DEMO_DUCKDB_PATH) -> str:
    return f"duckdb:///{path}"


def _secrets_url(path: Path, section: str = "warehouse") -> str | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        # A broken secrets file must not hide the environment or the demo; the page that
        # checks the warehouse reports the URL actually used.
        return None
    url = data.get("connections", {}).get(section, {}).get("url")
    return str(url) if url else None


def warehouse_url(secrets_path: Path = SECRETS_PATH) -> str:
    """The SQLAlchemy URL of the warehouse to use."""
    return os.environ.get("WAREHOUSE_URL") or _secrets_url(secrets_path) or demo_url()


# Warehouses without transactions or sequences for the app's own tables (issue 19). StarRocks and
# Doris have neither sequences nor multi-statement transactions either (when named by their own
# starrocks:// or doris:// dialect; through mysql+pymysql they cannot be told from MariaDB).
NON_TRANSACTIONAL = ("hive", "spark", "sparksql", "databricks", "starrocks", "doris")
SIDECAR_SUFFIX = ".app_store.sqlite"
DEFAULT_APP_STORE_PATH = PROJECT_ROOT / "data" / "app_store.sqlite"


def read_only_requested() -> bool:
    """WAREHOUSE_READ_ONLY=1: this process opens a DuckDB warehouse read-only."""
    return os.environ.get("WAREHOUSE_READ_ONLY") == "1"


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0].lower()


def sidecar_path(warehouse: str) -> Path:
    """Where the default SQLite app store of a warehouse is.

    Beside a DuckDB file, named after it (two warehouses in one folder keep their own accounts);
    data/app_store.sqlite for a server warehouse.

    >>> sidecar_path("duckdb:////srv/yb/ncx.duckdb")
    PosixPath('/srv/yb/ncx.app_store.sqlite')
    """
    if _scheme(warehouse) == "duckdb":
        name = warehouse.split(":///", 1)[-1].split("?", 1)[0]
        if name and name != ":memory:":
            path = Path(name)
            return path.with_name(path.stem + SIDECAR_SUFFIX)
    return DEFAULT_APP_STORE_PATH


def default_app_store_url(warehouse: str, *, read_only: bool | None = None) -> str:
    """The app store when none is configured: the warehouse itself, or a SQLite file.

    The warehouse itself (one DuckDB file or database, as before the split) unless it cannot
    hold the app's writes: a DuckDB file opened read-only (WAREHOUSE_READ_ONLY=1), or an engine
    without transactions (Spark/Hive). Then a SQLite file (`sidecar_path`): SQLite lets several
    processes write with file locking, which a DuckDB file does not. Once that file exists, every
    process uses it, read-only or not (a loader writing facts into the DuckDB file must write its
    load log where the read-only dashboards read it).
    """
    read_only = read_only_requested() if read_only is None else read_only
    sidecar = sidecar_path(warehouse)
    scheme = _scheme(warehouse)
    if scheme in NON_TRANSACTIONAL:
        return f"sqlite:///{sidecar}"
    if scheme == "duckdb" and (read_only or sidecar.is_file()):
        return f"sqlite:///{sidecar}"
    return warehouse


def app_store_url(secrets_path: Path = SECRETS_PATH, warehouse: str | None = None) -> str:
    """The SQLAlchemy URL of the app store (same precedence as `warehouse_url`)."""
    return (
        os.environ.get("APP_STORE_URL")
        or _secrets_url(secrets_path, "app_store")
        or default_app_store_url(warehouse or warehouse_url(secrets_path))
    )


# Query parameters that may carry a secret (psycopg and PyMySQL accept password=… there too).
_SECRET_PARAM = re.compile(
    r"(?i)([?&;]\s*[\w.]*(?:password|passwd|pwd|secret|token|key)[\w.]*)=[^&;\s]*"
)
# user[:password] before the last "@", after "scheme://" when there is one ("//" for typos).
_USERINFO = re.compile(r"^(?P<pre>.*?//)?(?P<user>[^:@/]*)(?P<password>:.*)?$", re.DOTALL)
# No "@" at all: "scheme://user:secret" (host forgotten) still hides what is not a port.
_NO_HOST = re.compile(r"(//[^/:@?]*):(?!\d+(?:[/?]|$))[^/?]*")


def redact(url: str) -> str:
    """The URL without its password, for messages shown on a page or written to a log.

    No URL parser is trusted with this: a mistyped URL (a missing colon, an "@" in the password)
    parses wrongly or not at all, so everything between the user name and the LAST "@" is
    hidden, and so are password-like query parameters.

    >>> redact("postgresql+psycopg://bi:secret@db:5432/yb")
    'postgresql+psycopg://bi:***@db:5432/yb'
    >>> redact("postgresql+psycopg//bi:secret@db/yb")
    'postgresql+psycopg//bi:***@db/yb'
    >>> redact("mysql+pymysql://bi@db/yb?password=secret&charset=utf8mb4")
    'mysql+pymysql://bi@db/yb?password=***&charset=utf8mb4'
    """
    text = str(url)
    head, at, tail = text.rpartition("@")
    if at:
        m = _USERINFO.match(head)
        if m is not None and m.group("password") is not None:
            text = f"{m.group('pre') or ''}{m.group('user')}:***@{tail}"
    else:
        text = _NO_HOST.sub(lambda m: f"{m.group(1)}:***", text)
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=***", text)
