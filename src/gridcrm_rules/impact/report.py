"""The result of ``compare``: the transition matrix, count deltas and the changed customers."""

from __future__ import annotations

from .._extras import require_extra  # first: a missing extra is one clear error

require_extra("batch", "gridcrm_rules.impact.report")

import html  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Final  # noqa: E402

import polars as pl  # noqa: E402

from .._text import counted  # noqa: E402

__all__ = ["LABELS", "Comparison", "frame_html"]

LABELS: Final = ("A", "B", "C", "D", "-", "error")
"""Transition labels in display order: the grades best first, ungraded, refused."""


def frame_html(title: str, frame: pl.DataFrame, limit: int = 20) -> str:
    """A small HTML table of the first ``limit`` rows of ``frame``, with a caption."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = []
    for r in frame.head(limit).iter_rows():
        cells = "".join(f"<td>{html.escape(_text(v))}</td>" for v in r)
        rows.append(f"<tr>{cells}</tr>")
    more = (f"<caption style='caption-side:bottom'>{frame.height - limit} more rows</caption>"
            if frame.height > limit else "")
    return (f"<h4>{html.escape(title)}</h4><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody>{more}</table>")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={_text(v)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class Comparison:
    """What replacing engine *a* (before) by engine *b* (after) does to a population.

    Tables (polars DataFrames):

    * ``transitions`` -- ``before, after, customers``: one row per (from, to) pair
      of labels (a grade, ``-`` ungraded, ``error`` refused by that engine); every
      customers row decided by at least one engine is counted once.
    * ``rule_hits`` -- ``decision, rule_id, before, after, delta``: customers whose
      decision fired the rule.
    * ``entitlements`` -- ``code, level, before, after, delta``.
    * ``tasks`` -- ``clause, status, before, after, delta``.
    * ``changed`` -- one row per changed customer: ``customer_id, row,
      grade_before, grade_after, direction`` (``up``/``down``/``same``, null when a
      side is ungraded or refused), ``rule_ids_before/after``, ``changes`` (the
      decisions-table columns that differ, ``tasks``, or ``decided``),
      ``entitlements_added/removed`` (``code:level``), ``tasks_before/after`` and
      ``facts_changed`` / ``facts`` (each differing fact with both values as text).
    """

    as_of: datetime
    transitions: pl.DataFrame
    rule_hits: pl.DataFrame
    entitlements: pl.DataFrame
    tasks: pl.DataFrame
    changed: pl.DataFrame
    refused_both: int = 0
    """Customers rows both engines refused (invalid input); not in ``transitions``."""
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def customers(self) -> int:
        """Customers rows decided by at least one of the engines."""
        return int(self.transitions.get_column("customers").sum())

    def labels(self) -> list[str]:
        """The labels that occur, in :data:`LABELS` order."""
        seen = set(self.transitions.get_column("before")) | set(
            self.transitions.get_column("after"))
        return [g for g in LABELS if g in seen]

    def matrix(self) -> pl.DataFrame:
        """The transition matrix: one row per *before* label, one column per *after* label."""
        labels = self.labels()
        counts = {(r["before"], r["after"]): r["customers"]
                  for r in self.transitions.iter_rows(named=True)}
        data: dict[str, list[object]] = {"before": list(labels)}
        for to in labels:
            data[to] = [counts.get((fr, to), 0) for fr in labels]
        return pl.DataFrame(data, schema={"before": pl.String, **dict.fromkeys(labels,
                                                                                pl.Int64)})

    def moved(self) -> int:
        """Customers whose grade label differs (A -> B, B -> error, ...)."""
        t = self.transitions
        return int(t.filter(pl.col("before") != pl.col("after")).get_column("customers").sum())

    def render_matrix(self) -> str:
        """The transition matrix as aligned text (rows: before, columns: after)."""
        m = self.matrix()
        labels = m.columns[1:]
        width = max([6, *(len(str(v)) + 1 for col in labels for v in m.get_column(col))])
        lines = ["before\\after" + "".join(f"{lab:>{width}}" for lab in labels)]
        for r in m.iter_rows():
            lines.append(f"{r[0]:<12}" + "".join(f"{v:>{width}}" for v in r[1:]))
        return "\n".join(lines)

    def summary(self) -> str:
        """A few lines: customers compared, changed, upgrades and downgrades, by rule."""
        direction = self.changed.get_column("direction")
        up, down = int((direction == "up").sum()), int((direction == "down").sum())
        lines = [f"{counted(self.customers, 'customer')} compared at {self.as_of.isoformat()}: "
                 f"{self.changed.height} changed, {self.moved()} moved grade "
                 f"({up} up, {down} down), {self.refused_both} refused by both"]
        moved = self.rule_hits.filter(pl.col("delta") != 0)
        for r in moved.iter_rows(named=True):
            lines.append(f"  {r['decision']}/{r['rule_id']}: {r['before']} -> {r['after']} "
                         f"({r['delta']:+d})")
        for title, frame, keys in (("entitlements", self.entitlements, ("code", "level")),
                                   ("tasks", self.tasks, ("clause", "status"))):
            deltas = [f"{':'.join(str(r[k]) for k in keys)} {r['delta']:+d}"
                      for r in frame.filter(pl.col("delta") != 0).iter_rows(named=True)]
            if deltas:
                lines.append(f"  {title}: {', '.join(deltas)}")
        return "\n".join(lines)

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table by name (``matrix`` included)."""
        return {"transitions": self.transitions, "matrix": self.matrix(),
                "rule_hits": self.rule_hits, "entitlements": self.entitlements,
                "tasks": self.tasks, "changed": self.changed}

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write every table as ``<name>.parquet`` into ``directory``; return the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in self.tables().items():
            paths[name] = out / f"{name}.parquet"
            frame.write_parquet(paths[name])
        return paths

    def plot(self) -> Any:
        """The transition matrix as a heatmap (an Altair chart; the ``plot`` extra)."""
        from .plots import transition_heatmap

        return transition_heatmap(self)

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(self.summary().splitlines()[0])}</p>",
                 frame_html("transition matrix (rows: before, columns: after)", self.matrix()),
                 frame_html("rule hits", self.rule_hits.filter(pl.col("delta") != 0)),
                 frame_html("entitlements", self.entitlements.filter(pl.col("delta") != 0)),
                 frame_html("tasks", self.tasks.filter(pl.col("delta") != 0)),
                 frame_html("changed customers", self.changed.drop("facts"))]
        return "<div class='gridcrm-comparison'>" + "".join(parts) + "</div>"
