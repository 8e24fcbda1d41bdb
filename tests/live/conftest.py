"""The live tests reuse the batch equivalence generators (tests/batch/batch_strategies.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "batch"))
