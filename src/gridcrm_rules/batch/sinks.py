"""Writing the three result tables chunk by chunk: Parquet, CSV or JSON lines.

``evaluate --out-format`` picks one; every format writes ``decisions``, ``tasks``
and ``errors`` into the output directory, appending each chunk as it is decided
(bounded memory).

* ``parquet`` keeps every column type (lists, structs, decimals, durations).
* ``jsonl`` writes one JSON object per row; nested columns stay nested, decimals
  are JSON texts (``"63000.00"``), instants ISO 8601 with offset, durations ISO
  8601 (``PT90180S``).
* ``csv`` cannot hold nested values, so :func:`flatten_for_csv` turns every list
  or struct column (``rule_ids``, ``overrides``, ``entitlements``,
  ``<decision>_rule_ids``) into its JSON text (``["CR-A"]``), instants into ISO
  8601 text with offset (``2026-11-23T10:00:00+08:00``) and durations
  (``overdue_by``) into ISO 8601 durations (``P1DT1H3M``).  Other columns are
  written as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, Final, Literal, Protocol

import polars as pl

from .chunk import ChunkResult
from .out_formats import OUT_FORMATS, OutFormat

__all__ = ["OUT_FORMATS", "OutFormat", "TableSink", "flatten_for_csv", "sink_for"]

TABLES: Final = ("decisions", "tasks", "errors")
_SUFFIX: Final[dict[OutFormat, str]] = {"parquet": "parquet", "csv": "csv", "jsonl": "jsonl"}
_ISO_INSTANT: Final = "%Y-%m-%dT%H:%M:%S%.f%:z"


def flatten_for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with nested columns as JSON text, instants and durations as ISO 8601."""
    columns: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List | pl.Array | pl.Struct):
            prefix = '{"' + name + '":'
            text = pl.struct(col).struct.json_encode().str.strip_prefix(prefix)
            columns.append(text.str.strip_suffix("}").alias(name))
        elif isinstance(dtype, pl.Datetime):
            columns.append(col.dt.to_string(_ISO_INSTANT).alias(name))
        elif isinstance(dtype, pl.Duration):
            columns.append(col.dt.to_string("iso").alias(name))
    return frame.with_columns(columns) if columns else frame


class TableSink(Protocol):
    """Takes each chunk's tables; ``close`` finishes the files."""

    rows: dict[str, int]
    grades: dict[str | None, int]

    def __call__(self, chunk: ChunkResult) -> None: ...  # pragma: no cover - protocol

    def close(self) -> None: ...  # pragma: no cover - protocol


class _Counting:
    """Rows per table and customers per grade, over every chunk written."""

    def __init__(self) -> None:
        self.rows = dict.fromkeys(TABLES, 0)
        self.grades: dict[str | None, int] = {}

    def count(self, chunk: ChunkResult) -> None:
        for name in TABLES:
            self.rows[name] += getattr(chunk, name).height
        if "grade" in chunk.decisions.columns:
            for r in chunk.decisions.group_by("grade").len().iter_rows(named=True):
                self.grades[r["grade"]] = self.grades.get(r["grade"], 0) + r["len"]


class ParquetSink(_Counting):
    """Appends each chunk's tables to three Parquet files."""

    def __init__(self, out: Path) -> None:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        super().__init__()
        self._pq = pq
        self.out = out
        self.writers: dict[str, Any] = {}

    def __call__(self, chunk: ChunkResult) -> None:
        for name in TABLES:
            table = getattr(chunk, name).to_arrow()
            if name not in self.writers:
                self.writers[name] = self._pq.ParquetWriter(self.out / f"{name}.parquet",
                                                            table.schema)
            self.writers[name].write_table(table)
        self.count(chunk)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


class TextSink(_Counting):
    """Appends each chunk's tables to three CSV (one header) or JSON-lines files."""

    def __init__(self, out: Path, out_format: Literal["csv", "jsonl"]) -> None:
        super().__init__()
        self.format = out_format
        self.files: dict[str, IO[bytes]] = {
            name: (out / f"{name}.{_SUFFIX[out_format]}").open("wb") for name in TABLES
        }
        self._header = dict.fromkeys(TABLES, True)

    def __call__(self, chunk: ChunkResult) -> None:
        for name in TABLES:
            frame: pl.DataFrame = getattr(chunk, name)
            self.write(name, frame)
        self.count(chunk)

    def write(self, name: str, frame: pl.DataFrame) -> None:
        """Append ``frame`` to table ``name`` (CSV: the header once, even for no rows)."""
        fh = self.files[name]
        if self.format == "csv":
            if frame.height or self._header[name]:
                flatten_for_csv(frame).write_csv(fh, include_header=self._header[name])
                self._header[name] = False
        elif frame.height:
            frame.write_ndjson(fh)

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


def sink_for(out_format: OutFormat, out: Path) -> ParquetSink | TextSink:
    """The sink writing ``out_format`` files into directory ``out``."""
    if out_format == "parquet":
        return ParquetSink(out)
    if out_format in ("csv", "jsonl"):
        return TextSink(out, out_format)
    raise ValueError(f"expected out_format one of {', '.join(OUT_FORMATS)}, got {out_format!r}")
