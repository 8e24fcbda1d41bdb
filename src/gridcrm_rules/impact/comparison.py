"""``compare``: what replacing one engine by another does to a population.

Both engines decide the same input, chunk by chunk, from one validation of each
chunk (:func:`~gridcrm_rules.batch.chunk.prepare_chunk` depends on neither the
engine nor the instant); each chunk's two results are diffed at once and only
the small aggregates and the changed customers are kept, so memory depends on
the chunk size and the number of changed customers, not on the input size.

A customer *changes* when any decision output differs between the two engines:
the credit result (grade, computed grade, rule ids, provisional, overrides),
an entitlement, any other decision's outputs or rule ids, or a task (any
field); a customer decided by one engine and refused by the other changes too.
Facts that differ without changing a decision are not a change; for a changed
customer the differing facts are listed.  This is the same as comparing the
two :meth:`Engine.evaluate <gridcrm_rules.Engine.evaluate>` decisions customer
by customer (tested), because each batch row equals that decision.
"""

from __future__ import annotations

from .._extras import require_extra  # first: a missing extra is one clear error

require_extra("batch", "gridcrm_rules.impact.comparison")

import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, datetime  # noqa: E402
from typing import Final  # noqa: E402

import polars as pl  # noqa: E402

from ..batch.chunk import ChunkResult, Evaluator, prepare_chunk  # noqa: E402
from ..batch.evaluate import DEFAULT_CHUNK, Chunk, each_chunk, evaluator_for  # noqa: E402
from ..batch.tables import Extra, TableInput  # noqa: E402
from ..engine import Engine  # noqa: E402
from .report import Comparison  # noqa: E402

__all__ = ["GRADES", "NOT_DECIDED", "UNGRADED", "compare", "outcome_columns"]

ENTITLEMENTS_COLUMN: Final = "entitlements"
"""The decisions table's column of entitlements (batch.result), not a decision name."""

GRADES: Final = ("A", "B", "C", "D")
"""Grade order, best first (RULES.md §2)."""
UNGRADED: Final = "-"
"""The transition label of a decided customer without a grade (e.g. CR-GAP strict)."""
NOT_DECIDED: Final = "error"
"""The transition label of a customer one engine refused (an ``errors`` row)."""

_BOOKKEEPING: Final = frozenset({"customer_id", "row", "path", "facts_backend",
                                 "events_considered", "events_after_as_of"})
_TASK_FIELDS: Final = ("kind", "clause", "trigger_event_id", "due", "basis", "channel", "unit",
                       "status", "completed_at", "overdue_by")
_TASKS: Final = "tasks"


def outcome_columns(schema: pl.Schema) -> list[str]:
    """The decisions-table columns that hold decision outputs (what a change is made of)."""
    return [c for c in schema if c not in _BOOKKEEPING and not c.startswith("fact_")]


def _fact_columns(schema: pl.Schema) -> list[str]:
    return [c for c in schema if c.startswith("fact_")]


@dataclass(frozen=True)
class _Shape:
    """The columns both sides are compared on (a column one side lacks is null there)."""

    outcomes: tuple[str, ...]
    facts: tuple[str, ...]
    dtypes: dict[str, pl.DataType]


def _shape(a: Evaluator, b: Evaluator) -> _Shape:
    sa, sb = a.layout.schema, b.layout.schema
    outcomes = list(dict.fromkeys([*outcome_columns(sa), *outcome_columns(sb)]))
    facts = list(dict.fromkeys([*_fact_columns(sa), *_fact_columns(sb)]))
    dtypes = {c: (sa.get(c) or sb[c]) for c in [*outcomes, *facts]}
    return _Shape(tuple(outcomes), tuple(facts), dtypes)


def _as_text(column: str, dtype: pl.DataType) -> pl.Expr:
    """A column as exact text (a duration as its microseconds, a list as JSON-like text)."""
    col = pl.col(column)
    if isinstance(dtype, pl.Duration):
        return col.dt.total_microseconds().cast(pl.String)
    if isinstance(dtype, pl.List | pl.Struct | pl.Array):
        return col.map_elements(repr, return_dtype=pl.String)
    return col.cast(pl.String)


def _task_signatures(tasks: pl.DataFrame) -> pl.DataFrame:
    """Per customers row, its tasks as a sorted list of text signatures (every field)."""
    fields = [_as_text(f, tasks.schema[f]).fill_null("\u2205") for f in _TASK_FIELDS
              if f in tasks.columns]
    sig = pl.concat_str(fields, separator="|")
    return tasks.group_by("row").agg(sig.sort().alias(_TASKS))


def _side(result: ChunkResult, shape: _Shape, prefix: str) -> pl.DataFrame:
    """One engine's decisions with every compared column, prefixed, and the task lists."""
    d = result.decisions
    missing = [pl.lit(None, dtype=shape.dtypes[c]).alias(c) for c in (*shape.outcomes,
                                                                       *shape.facts)
               if c not in d.columns]
    d = d.with_columns(missing).select("row", "customer_id", *shape.outcomes, *shape.facts)
    d = d.join(_task_signatures(result.tasks), on="row", how="left")
    d = d.with_columns(pl.col(_TASKS).fill_null(pl.lit([], dtype=pl.List(pl.String))),
                       pl.lit(True).alias("decided"))
    return d.select(pl.col("row"), pl.all().exclude("row").name.prefix(prefix))


def _label(prefix: str, shape: _Shape) -> pl.Expr:
    """A side's transition label: its grade, ``-`` when ungraded (or no credit decision),
    ``error`` when that engine refused the customer."""
    grade = pl.col(f"{prefix}grade") if "grade" in shape.outcomes else pl.lit(None, pl.String)
    return (pl.when(~pl.col(f"{prefix}decided").fill_null(False)).then(pl.lit(NOT_DECIDED))
            .otherwise(grade.fill_null(pl.lit(UNGRADED))))


def _rank(label: pl.Expr) -> pl.Expr:
    return label.replace_strict(list(GRADES), list(range(len(GRADES))), default=None,
                                return_dtype=pl.Int8)


def _entitlement_keys(column: str) -> pl.Expr:
    e = pl.element().struct
    return pl.col(column).list.eval(e.field("code") + pl.lit(":") + e.field("level"))


@dataclass(frozen=True)
class _Partial:
    """One chunk's share of the result."""

    transitions: pl.DataFrame
    rule_hits: pl.DataFrame
    entitlements: pl.DataFrame
    tasks: pl.DataFrame
    changed: pl.DataFrame
    refused_both: int


def _rule_hits(result: ChunkResult, side: str, shape: _Shape) -> pl.DataFrame:
    d = result.decisions
    parts = []
    for col in shape.outcomes:
        if col not in d.columns or (col != "rule_ids" and not col.endswith("_rule_ids")):
            continue
        decision = "credit" if col == "rule_ids" else col.removesuffix("_rule_ids")
        parts.append(d.select(pl.col(col).alias("rule_id")).explode("rule_id").drop_nulls()
                     .group_by("rule_id").len()
                     .with_columns(pl.lit(decision).alias("decision")))
    if not parts:
        return pl.DataFrame(schema={"decision": pl.String, "rule_id": pl.String,
                                    "side": pl.String, "n": pl.Int64})
    return (pl.concat(parts).select("decision", "rule_id", pl.lit(side).alias("side"),
                                    pl.col("len").cast(pl.Int64).alias("n")))


def _entitlement_counts(result: ChunkResult, side: str) -> pl.DataFrame:
    d = result.decisions
    schema = {"code": pl.String, "level": pl.String, "side": pl.String, "n": pl.Int64}
    if ENTITLEMENTS_COLUMN not in d.columns:
        return pl.DataFrame(schema=schema)
    e = d.select(pl.col("entitlements").explode()).drop_nulls().unnest("entitlements")
    return (e.group_by("code", "level").len()
            .select("code", "level", pl.lit(side).alias("side"),
                    pl.col("len").cast(pl.Int64).alias("n")))


def _task_counts(result: ChunkResult, side: str) -> pl.DataFrame:
    return (result.tasks.group_by("clause", "status").len()
            .select("clause", "status", pl.lit(side).alias("side"),
                    pl.col("len").cast(pl.Int64).alias("n")))


def _refused_rows(result: ChunkResult) -> pl.Series:
    e = result.errors
    return e.filter((pl.col("source") == "customers") & pl.col("row").is_not_null()).get_column(
        "row").unique()


def _diff(a: ChunkResult, b: ChunkResult, shape: _Shape) -> _Partial:
    """The comparison of one chunk's two results."""
    joined = _side(a, shape, "a.").join(_side(b, shape, "b."), on="row", how="full",
                                         coalesce=True)
    before, after = _label("a.", shape), _label("b.", shape)
    joined = joined.with_columns(before.alias("before"), after.alias("after"))
    compared = [*shape.outcomes, _TASKS]
    differs = [pl.when(pl.col(f"a.{c}").ne_missing(pl.col(f"b.{c}"))).then(pl.lit(c))
               for c in compared]
    status = pl.when(pl.col("a.decided").is_null() | pl.col("b.decided").is_null()).then(
        pl.lit("decided"))
    changes = pl.concat_list([status, *differs]).list.drop_nulls()
    fact_diffs = [pl.when(pl.col(f"a.{f}").ne_missing(pl.col(f"b.{f}"))).then(pl.lit(
        f.removeprefix("fact_"))) for f in shape.facts]
    fact_values = [pl.when(pl.col(f"a.{f}").ne_missing(pl.col(f"b.{f}"))).then(pl.struct(
        pl.lit(f.removeprefix("fact_")).alias("fact"),
        _as_text(f"a.{f}", shape.dtypes[f]).alias("before"),
        _as_text(f"b.{f}", shape.dtypes[f]).alias("after"))) for f in shape.facts]
    joined = joined.with_columns(changes.alias("changes"))
    changed = joined.filter(pl.col("changes").list.len() > 0)
    rank_a, rank_b = _rank(pl.col("before")), _rank(pl.col("after"))
    direction = (pl.when(rank_a.is_null() | rank_b.is_null()).then(pl.lit(None, pl.String))
                 .when(rank_b < rank_a).then(pl.lit("up"))
                 .when(rank_b > rank_a).then(pl.lit("down")).otherwise(pl.lit("same")))
    out: list[pl.Expr] = [
        pl.coalesce("a.customer_id", "b.customer_id").alias("customer_id"), pl.col("row"),
        pl.col("before").alias("grade_before"), pl.col("after").alias("grade_after"),
        direction.alias("direction"),
    ]
    for side, name in (("a.", "before"), ("b.", "after")):
        if "rule_ids" in shape.outcomes:
            out.append(pl.col(f"{side}rule_ids").alias(f"rule_ids_{name}"))
    out.append(pl.col("changes"))
    if ENTITLEMENTS_COLUMN in shape.outcomes:
        ka, kb = _entitlement_keys("a.entitlements"), _entitlement_keys("b.entitlements")
        out += [kb.list.set_difference(ka).list.sort().alias("entitlements_added"),
                ka.list.set_difference(kb).list.sort().alias("entitlements_removed")]
    out += [pl.col("a.tasks").list.len().fill_null(0).cast(pl.Int64).alias("tasks_before"),
            pl.col("b.tasks").list.len().fill_null(0).cast(pl.Int64).alias("tasks_after")]
    fact_type = pl.List(pl.Struct({"fact": pl.String, "before": pl.String, "after": pl.String}))
    if shape.facts:
        out += [pl.concat_list(fact_diffs).list.drop_nulls().alias("facts_changed"),
                pl.concat_list(fact_values).list.drop_nulls().cast(fact_type).alias("facts")]
    else:
        out += [pl.lit([], dtype=pl.List(pl.String)).alias("facts_changed"),
                pl.lit([], dtype=fact_type).alias("facts")]
    refused = set(_refused_rows(a).to_list()) & set(_refused_rows(b).to_list())
    return _Partial(
        transitions=joined.group_by("before", "after").agg(
            pl.len().cast(pl.Int64).alias("customers")),
        rule_hits=pl.concat([_rule_hits(a, "before", shape), _rule_hits(b, "after", shape)]),
        entitlements=pl.concat([_entitlement_counts(a, "before"),
                                _entitlement_counts(b, "after")]),
        tasks=pl.concat([_task_counts(a, "before"), _task_counts(b, "after")]),
        changed=changed.select(out),
        refused_both=len(refused),
    )


def _before_after(parts: Sequence[pl.DataFrame], keys: list[str]) -> pl.DataFrame:
    """Sum the per-chunk counts into ``keys..., before, after, delta``."""
    frame = pl.concat(parts)
    wide = frame.group_by(*keys, "side").agg(pl.col("n").sum().cast(pl.Int64))
    before = wide.filter(pl.col("side") == "before").select(*keys, pl.col("n").alias("before"))
    after = wide.filter(pl.col("side") == "after").select(*keys, pl.col("n").alias("after"))
    out = before.join(after, on=keys, how="full", coalesce=True)
    out = out.with_columns(pl.col("before").fill_null(0), pl.col("after").fill_null(0))
    return out.with_columns((pl.col("after") - pl.col("before")).alias("delta")).sort(keys)


def compare(
    engine_a: Engine,
    engine_b: Engine,
    customers: TableInput,
    events: TableInput | None = None,
    *,
    as_of: date | datetime | str,
    chunk_size: int = DEFAULT_CHUNK,
    extra: Extra = "forbid",
    progress: bool = False,
) -> Comparison:
    """Decide the same customers with two engines and report what changes.

    Same inputs as :func:`~gridcrm_rules.batch.evaluate_batch` (polars/pandas/Arrow,
    lists of dicts, Parquet or CSV paths); ``engine_a`` is *before*, ``engine_b``
    *after*.  ``progress``: a bar of customers compared on stderr (shown on a terminal or
    in a notebook).  Returns a :class:`~gridcrm_rules.impact.Comparison`.
    """
    started = time.perf_counter()
    ev_a, ev_b = evaluator_for(engine_a, as_of), evaluator_for(engine_b, as_of)
    shape = _shape(ev_a, ev_b)

    def work(chunk: Chunk) -> _Partial:
        _, c, e = chunk
        prepared = prepare_chunk(c, e)
        return _diff(ev_a.decide(prepared), ev_b.decide(prepared), shape)

    # at least one chunk, empty for an empty input
    parts = list(each_chunk(work, customers, events, chunk_size=chunk_size, extra=extra,
                            progress=progress, desc="compare"))
    transitions = (pl.concat([p.transitions for p in parts]).group_by("before", "after")
                   .agg(pl.col("customers").sum().cast(pl.Int64)).sort("before", "after"))
    changed = pl.concat([p.changed for p in parts]).sort("row")
    return Comparison(
        as_of=ev_a.as_of,
        transitions=transitions,
        rule_hits=_before_after([p.rule_hits for p in parts], ["decision", "rule_id"]),
        entitlements=_before_after([p.entitlements for p in parts], ["code", "level"]),
        tasks=_before_after([p.tasks for p in parts], ["clause", "status"]),
        changed=changed,
        refused_both=sum(p.refused_both for p in parts),
        notes=tuple(dict.fromkeys([*ev_a.notes, *ev_b.notes])),
        seconds=time.perf_counter() - started,
    )

