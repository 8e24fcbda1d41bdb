"""The notebook example runs top to bottom and shows what its text promises.

Needs the ``docs`` extra (nbclient, ipykernel, matplotlib); skipped without it.
``.ci/run`` installs the extra and runs this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("matplotlib")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "notebooks" / "first_steps.ipynb"

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning")]


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_notebook_executes_and_shows_the_grades_decision_batch_and_chart() -> None:
    """Every cell runs; the grades, the HTML decision, the batch table and a PNG chart appear."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit the notebook without outputs; CI and the docs build execute it")
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "grades: {'A': 40, 'B': 7, 'C': 5, 'D': 8}" in text
    assert "60 of 60 as expected []" in text
    assert "batch grades: {'A': 40, 'B': 7, 'C': 5, 'D': 8} | errors: 0" in text
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("CR-D" in h for h in html), "the decision's HTML explanation"
    assert any("customer_id" in h and "grade" in h for h in html), "the batch decisions table"
    assert any("image/png" in o.get("data", {}) for o in outputs), "the grade chart"
