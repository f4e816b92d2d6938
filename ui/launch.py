"""Starts the dashboard server: `python -m ui.launch [streamlit options]`.

Streamlit treats a folder named pages/ beside the main script as its legacy multipage layout
until some session has called st.navigation; until then a first visitor arriving by a deep link
(…/enrollment?town=…) would run that page without the router (no filters, no scope). Declaring
the st.navigation layout before the first session removes that window. `manage.py run` and the
browser tests start the server this way.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(argv: list[str]) -> int:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
