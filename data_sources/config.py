"""Where the warehouse is: one SQLAlchemy URL, from the environment, secrets or the demo default.

Order of precedence: the `WAREHOUSE_URL` environment variable, then `url` under
`[connections.warehouse]` in `.streamlit/secrets.toml`, then the embedded demo DuckDB file.
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
