"""Where the real-world input cases live (``shared/cases``, beside the repository).

The repository sits next to ``shared/`` in every place it runs: /work/main and the
worktrees beside it, and CI's fresh clone with its copy of shared/. ``CASES_DIR`` in
the environment points elsewhere when that is not so.
"""

import os
from pathlib import Path

CASES_DIR = Path(
    os.environ.get("CASES_DIR", Path(__file__).resolve().parents[2] / "shared" / "cases")
)
