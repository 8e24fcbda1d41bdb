"""The impact example script and notebook run and show who moves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def test_example_script_prints_who_moves(tmp_path: Path) -> None:
    """The script names C0015 (B -> A), shows the months that differ and writes its files."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "impact_year_window.py"),
                           str(tmp_path)], capture_output=True, text=True, timeout=300,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert "C0015: B -> A (CR-B -> CR-A; had_arrears_in_year: true -> false)" in done.stdout
    assert "2026-02-01  B | A  <- differs" in done.stdout
    assert "2026-01-01  B | B\n" in done.stdout
    assert (tmp_path / "tables" / "changed.parquet").exists()
    assert (tmp_path / "transitions.html").exists()


def test_notebook_cells_run_in_order() -> None:
    """Every code cell of the notebook runs, in order, in one namespace (no Jupyter needed)."""
    notebook = json.loads((ROOT / "examples" / "impact_year_window.ipynb").read_text("utf-8"))
    namespace: dict[str, Any] = {}
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert len(cells) >= 6
    for cell in cells:
        exec(compile("".join(cell["source"]), "impact_year_window.ipynb", "exec"), namespace)
    assert namespace["who"] == "C0015"
    moves = namespace["table"].moves()
    mine = moves.filter(moves["customer_id"] == "C0015")
    assert [(r["instant"].month, r["grade_before"], r["grade"])
            for r in mine.iter_rows(named=True)] == [(1, "A", "B"), (2, "B", "A")]
