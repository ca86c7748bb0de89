"""Where the real-world input cases live: a copy of ``shared/cases`` kept in the
repository (``tests/data/cases``), so the tests that replay them run in any checkout.

``CASES_DIR`` in the environment points elsewhere, for instance at a newer
``shared/cases`` holding cases not yet copied here.
"""

import os
from pathlib import Path

CASES_DIR = Path(os.environ.get("CASES_DIR", Path(__file__).resolve().parent / "data" / "cases"))
