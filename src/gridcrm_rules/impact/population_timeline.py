"""A population's decisions month by month: ``Engine.timeline_batch``.

The input is cut into chunks as ``evaluate_batch`` cuts it; each chunk is read
and validated **once** (:func:`~gridcrm_rules.batch.chunk.prepare_chunk`, which
depends on neither the engine nor the instant) and then decided at every
re-grade instant by that instant's evaluator.  What is shared across instants is
therefore the reading, parsing and validation of the input, the customer keys
and the history checks; the facts themselves depend on the cutoff and are
computed per instant.  Each instant's rows equal ``evaluate_batch`` at that
instant, which equals ``Engine.evaluate`` per customer (tested).
"""

from __future__ import annotations

from .._extras import require_extra  # first: a missing extra is one clear error

require_extra("batch", "gridcrm_rules.impact.population_timeline")

import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Final  # noqa: E402

import polars as pl  # noqa: E402

from ..batch.chunk import ChunkResult, prepare_chunk  # noqa: E402
from ..batch.evaluate import DEFAULT_CHUNK, Chunk, each_chunk, evaluator_for  # noqa: E402
from ..batch.tables import Extra, TableInput  # noqa: E402
from ..engine import Engine  # noqa: E402
from .instants import Every, regrade_instants  # noqa: E402
from .report import frame_html  # noqa: E402

__all__ = ["POINT_COLUMNS", "TimelineTable", "timeline_batch"]

POINT_COLUMNS: Final = ("customer_id", "row", "instant", "cutoff", "grade", "computed_grade",
                        "rule_ids", "provisional", "open_tasks")
"""The columns of ``TimelineTable.points`` (``open_tasks``: status ``open`` or ``overdue``)."""


def _points(result: ChunkResult, instant: datetime, cutoff: date) -> pl.DataFrame:
    d = result.decisions
    pending = (result.tasks.filter(pl.col("status") != "on_time").group_by("row").len()
               .rename({"len": "open_tasks"}))
    credit = [pl.col(c) if c in d.columns else pl.lit(None, dtype=t).alias(c)
              for c, t in (("grade", pl.String), ("computed_grade", pl.String),
                           ("rule_ids", pl.List(pl.String)), ("provisional", pl.Boolean))]
    return (d.select("customer_id", "row", *credit)
            .join(pending, on="row", how="left")
            .select("customer_id", "row",
                    pl.lit(instant).dt.convert_time_zone("Asia/Shanghai").alias("instant"),
                    pl.lit(cutoff).alias("cutoff"), "grade", "computed_grade", "rule_ids",
                    "provisional", pl.col("open_tasks").fill_null(0).cast(pl.Int64)))


@dataclass(frozen=True)
class TimelineTable:
    """Every customer's decision at every re-grade instant, as one long table.

    ``points`` has one row per (customer, instant) decided, columns
    :data:`POINT_COLUMNS`; ``errors`` the refused rows (the ``evaluate_batch``
    errors table plus ``instant``; an invalid input row is refused at every instant).
    """

    instants: tuple[datetime, ...]
    points: pl.DataFrame
    errors: pl.DataFrame
    seconds: float = 0.0

    def grade_mix(self) -> pl.DataFrame:
        """``instant, grade, customers``: how many customers held each grade at each instant
        (grade ``-`` for ungraded)."""
        return (self.points.group_by("instant", pl.col("grade").fill_null("-"))
                .agg(pl.len().cast(pl.Int64).alias("customers")).sort("instant", "grade"))

    def for_customer(self, customer_id: str) -> pl.DataFrame:
        """One customer's rows, oldest first."""
        return self.points.filter(pl.col("customer_id") == customer_id).sort("instant")

    def moves(self) -> pl.DataFrame:
        """The rows whose grade differs from the same customer's previous instant, with
        ``grade_before``."""
        p = self.points.sort("row", "instant").with_columns(
            pl.col("grade").shift(1).over("row").alias("grade_before"),
            pl.col("instant").shift(1).over("row").alias("previous"))
        return p.filter(pl.col("previous").is_not_null()
                        & pl.col("grade").ne_missing(pl.col("grade_before"))).drop("previous")

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write ``points.parquet``, ``grade_mix.parquet`` and ``errors.parquet``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in (("points", self.points), ("grade_mix", self.grade_mix()),
                            ("errors", self.errors)):
            paths[name] = out / f"{name}.parquet"
            frame.write_parquet(paths[name])
        return paths

    def plot(self) -> Any:
        """The grade mix over time as stacked areas (an Altair chart; the ``plot`` extra)."""
        from .plots import grade_mix_area

        return grade_mix_area(self)

    def _repr_html_(self) -> str:
        mix = self.grade_mix().pivot("grade", index="instant", values="customers").fill_null(0)
        return ("<div class='gridcrm-timeline'>"
                f"<p>{len(self.instants)} instants, {self.points.height} points, "
                f"{self.errors.height} errors</p>"
                + frame_html("grade mix", mix, limit=36)
                + frame_html("grade moves", self.moves()) + "</div>")


def timeline_batch(
    engine: Engine,
    customers: TableInput,
    events: TableInput | None = None,
    *,
    start: date | datetime | str,
    end: date | datetime | str,
    every: Every = "month",
    chunk_size: int = DEFAULT_CHUNK,
    extra: Extra = "forbid",
    progress: bool = False,
) -> TimelineTable:
    """Decide every customer at every re-grade instant from ``start`` to ``end``.

    ``progress``: a bar of customers done (all their instants) on stderr, shown on a
    terminal or in a notebook."""
    started = time.perf_counter()
    instants = regrade_instants(start, end, every)
    evaluators = [evaluator_for(engine, t) for t in instants]

    def work(chunk: Chunk) -> tuple[pl.DataFrame, pl.DataFrame]:
        _, c, e = chunk
        prepared = prepare_chunk(c, e)
        points, errors = [], []
        for ev in evaluators:
            result = ev.decide(prepared)
            points.append(_points(result, ev.as_of, ev.cutoff))
            errors.append(result.errors.with_columns(
                pl.lit(ev.as_of).dt.convert_time_zone("Asia/Shanghai").alias("instant")))
        return pl.concat(points), pl.concat(errors)

    parts = list(each_chunk(work, customers, events, chunk_size=chunk_size, extra=extra,
                            progress=progress, desc="timeline"))
    points = pl.concat([p for p, _ in parts]) if parts else pl.DataFrame()
    errors = pl.concat([e for _, e in parts]) if parts else pl.DataFrame()
    if points.width:
        points = points.sort("row", "instant")
    if errors.width and errors.height:
        errors = errors.sort("instant", "source", "row", nulls_last=True)
    return TimelineTable(instants, points, errors, time.perf_counter() - started)
