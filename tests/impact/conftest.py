"""The impact tests reuse the batch tests' random histories and reference helpers."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "batch"))
