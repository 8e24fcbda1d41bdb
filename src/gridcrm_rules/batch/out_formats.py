"""The output formats of ``evaluate --out-format`` (no polars: the CLI parser reads them)."""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["OUT_FORMATS", "OutFormat"]

OutFormat = Literal["parquet", "csv", "jsonl"]
OUT_FORMATS: Final[tuple[OutFormat, ...]] = ("parquet", "csv", "jsonl")
