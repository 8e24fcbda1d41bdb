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

Requires the ``batch`` extra (polars, pyarrow, tqdm).  See docs/batch.md.
"""

from .csv_input import scan_csv
from .evaluate import DEFAULT_CHUNK, evaluate_batch, evaluate_to_files, evaluate_to_parquet
from .result import BatchResult
from .sinks import OUT_FORMATS, flatten_for_csv
from .tables import BatchInputError

__all__ = ["DEFAULT_CHUNK", "OUT_FORMATS", "BatchInputError", "BatchResult", "evaluate_batch",
           "evaluate_to_files", "evaluate_to_parquet", "flatten_for_csv", "scan_csv"]
