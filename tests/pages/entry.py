"""AppTest entry point: runs app.py from a folder without a pages/ subfolder.

AppTest resets Streamlit's "legacy pages/ folder" detection before every run; with app.py as the
main script, switch_page would then run a page without the router. Started from here, the app's
own st.navigation decides, as it does on the server started by ui.launch.
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
