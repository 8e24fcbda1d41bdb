"""Batch evaluation: many customers at once, as columns (polars), same answers as ``evaluate``.

>>> import gridcrm_rules as gr
>>> from gridcrm_rules.batch import evaluate_batch
>>> engine = gr.Engine.from_packs(["credit"])
>>> result = evaluate_batch(
...     engine,
...     [{"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}],
...     [{"customer_id": "C1", "type": "theft_detected", "id": "e1", "at": "2025-03-01"}],
...     as_of="2026-11-22T09:00:00+08:00",
... )
>>> result.decisions.select("customer_id", "grade", "rule_ids").row(0)
('C1', 'D', ['CR-D'])

Requires the ``batch`` extra (polars, pyarrow, tqdm, numpy).  See docs/batch.md.
Without it, importing this package (or any module in it) raises
:class:`gridcrm_rules.MissingExtra` naming ``pip install "gridcrm-rules[batch]"``.
With it, polars is imported only when one of the names below is first used, so
``gridcrm-rules`` can build its command line without loading the columnar engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .._extras import require_extra

if TYPE_CHECKING:
    from .csv_input import scan_csv
    from .evaluate import DEFAULT_CHUNK, evaluate_batch, evaluate_to_files, evaluate_to_parquet
    from .result import BatchResult
    from .sinks import OUT_FORMATS, flatten_for_csv
    from .tables import BatchInputError

require_extra("batch", "gridcrm_rules.batch")

_EXPORTS = {
    "DEFAULT_CHUNK": ".evaluate",
    "evaluate_batch": ".evaluate",
    "evaluate_to_files": ".evaluate",
    "evaluate_to_parquet": ".evaluate",
    "BatchResult": ".result",
    "BatchInputError": ".tables",
    "OUT_FORMATS": ".sinks",
    "flatten_for_csv": ".sinks",
    "scan_csv": ".csv_input",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use (PEP 562)."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["DEFAULT_CHUNK", "OUT_FORMATS", "BatchInputError", "BatchResult", "evaluate_batch",
           "evaluate_to_files", "evaluate_to_parquet", "flatten_for_csv", "scan_csv"]
