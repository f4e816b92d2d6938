"""The shipped Streamlit settings are the safe ones."""

from __future__ import annotations

import tomllib

from data_sources.config import PROJECT_ROOT


def test_shipped_config_is_safe() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["address"] == "127.0.0.1"  # this machine only, unless configured
    assert config["server"]["enableAgentApi"] is False
    assert "trustedUserHeaders" not in config["server"]
    assert config["client"]["disableDataExport"] is True  # tables' own CSV: unescaped, unlogged


def test_no_unsafe_html_built_from_data() -> None:
    # The only raw HTML is ui/chrome.py's fixed style sheets; nothing renders HTML built from data.
    uses = []
    for folder in ("pages", "ui", "auth", "exports", "metrics", "charts"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            text = path.read_text("utf-8")
            if "unsafe_allow_html" in text or "st.html(" in text:
                uses.append(path.name)
    assert uses == ["chrome.py"]
    assert "unsafe_allow_html" not in (PROJECT_ROOT / "app.py").read_text("utf-8")
    chrome = (PROJECT_ROOT / "ui" / "chrome.py").read_text("utf-8")
    assert chrome.count("unsafe_allow_html=True") == 1
    assert "st.markdown(sheets, unsafe_allow_html=True)" in chrome
    # What it renders is the three fixed sheets, concatenated: nothing read from data or input.
    import inspect

    from ui import chrome as module

    source = inspect.getsource(module.apply)
    assert 'sheets = BASE_CSS + printing.PRINT_STYLE + (WALL_CSS if mode == WALL else "")' in source
