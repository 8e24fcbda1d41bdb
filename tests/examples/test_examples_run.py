"""The examples in examples/ keep working and print what their docs promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "quickstart.py": "sample grades: {'A': 40, 'B': 7, 'C': 5, 'D': 8}",
    "custom_pack.py": "my_credit: grade A by CR-GAP",
    "calendar_deadlines.py": "with a 2027 schedule: 2027-01-12 23:59:59+08:00",
    "overdue_callbacks.py": "CB-PHONE",
    "population.py": "tier 1",
    "batch_regrade.py": "(20000 decisions)",
    "impact_year_window.py": "C0015: B -> A",
    "live_session.py": "live decision == evaluate",
    "live_stream.py": "stream == live session per customer: True",
}
NEEDS_LIVE = {"live_stream.py"}
"""Examples that stream through Spark (they need the spark extra)."""


@pytest.mark.parametrize(("script", "expected"), sorted(EXAMPLES.items()))
def test_example_runs_and_prints(script: str, expected: str) -> None:
    """Each example exits 0 and prints its key result."""
    if script in NEEDS_LIVE:
        pytest.importorskip("pyspark")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_every_example_is_covered() -> None:
    """No example script is left out of this test."""
    assert {p.name for p in (ROOT / "examples").glob("*.py")} == set(EXAMPLES)
