"""The three output tables, their schemas, and one decision as a decisions-table row.

The decisions table has one row per decided customer; its columns follow the
loaded packs: the credit grade (``grade``, ``computed_grade``, ``rule_ids``,
``provisional``, ``overrides``), one ``fact_<name>`` column per fact, one
``<decision>_<output>`` and ``<decision>_rule_ids`` per other value decision
(the key-account fields among them), the ``entitlements`` (code, level, clause,
grade, params as JSON), the event counts, and how the row was computed
(``path``: ``columnar`` or ``scalar``; ``facts_backend``: e.g. ``credit=columnar``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import polars as pl

from ..engine import CompiledDecision, Program
from ..expr.types import Kind, Type
from ..models import Decision, Task
from ..packs.schema import OutputSpec
from ._catalog import TZ
from .errors import ERRORS_SCHEMA

__all__ = [
    "BatchResult",
    "TableLayout",
    "decision_row",
    "encode_params",
    "layout_for",
    "task_rows",
]

DT: Final = pl.Datetime("us", TZ)
NUM: Final = pl.Decimal(38, 9)
"""Numbers of outputs and Python-only facts: exact decimals with 9 places."""

FACT_DTYPES: Final[Mapping[str, pl.DataType]] = {
    "arrears_amount": pl.Decimal(38, 2),
    "unallocated_credit": pl.Decimal(38, 2),
    "billing_months": pl.Int64(),
}
"""Facts whose values have a known precision (else numbers are NUM)."""

OVERRIDE: Final = pl.Struct(
    {"event_id": pl.String(), "at": DT, "by": pl.String(), "reason": pl.String(),
     "from_grade": pl.String(), "to_grade": pl.String(), "expires": DT, "status": pl.String(),
     "detail": pl.String()}
)
ENTITLEMENT: Final = pl.Struct(
    {"code": pl.String(), "level": pl.String(), "clause": pl.String(), "grade": pl.String(),
     "params": pl.String()}
)
TASKS_SCHEMA: Final = pl.Schema(
    {"customer_id": pl.String(), "row": pl.Int64(), "kind": pl.String(), "clause": pl.String(),
     "trigger_event_id": pl.String(), "due": DT, "basis": pl.String(), "channel": pl.String(),
     "unit": pl.String(), "status": pl.String(), "completed_at": DT,
     "overdue_by": pl.Duration("us"), "remaining_amount": pl.Decimal(38, 2)}
)


def dtype_of(t: Type, name: str = "") -> pl.DataType:
    """The column type of a value of condition-language type ``t``."""
    if name in FACT_DTYPES:
        return FACT_DTYPES[name]
    mapping: dict[Kind, pl.DataType] = {
        Kind.BOOL: pl.Boolean(), Kind.NUMBER: NUM, Kind.STR: pl.String(), Kind.DATE: pl.Date(),
        Kind.DATETIME: DT,
    }
    return mapping.get(t.kind, pl.String())


def _output_dtype(spec: OutputSpec) -> pl.DataType:
    return {"bool": pl.Boolean(), "number": NUM, "str": pl.String(), "date": pl.Date(),
            "datetime": DT}[spec.type]


@dataclass(frozen=True)
class TableLayout:
    """The decisions-table columns of one program (and which decision feeds which)."""

    schema: pl.Schema
    facts: tuple[str, ...]
    value_decisions: tuple[CompiledDecision, ...]
    has_credit: bool
    has_entitlements: bool


def layout_for(program: Program, fact_types: Mapping[str, Type]) -> TableLayout:
    """Columns of the decisions table for ``program`` with the facts in ``fact_types``."""
    cols: dict[str, pl.DataType] = {"customer_id": pl.String(), "row": pl.Int64()}
    grade_decision = program.filling("credit")
    has_credit = grade_decision is not None
    if has_credit:
        cols |= {"grade": pl.String(), "computed_grade": pl.String(),
                 "rule_ids": pl.List(pl.String()), "provisional": pl.Boolean(),
                 "overrides": pl.List(OVERRIDE)}
    for fname, t in fact_types.items():
        cols[f"fact_{fname}"] = dtype_of(t, fname)
    values = tuple(d for d in program.decisions if d.spec.emits == "value")
    for d in values:
        grades = d.spec.fills == "credit"
        for oname, ospec in d.spec.outputs.items():
            if grades and oname == "grade":
                continue
            cols[f"{d.name}_{oname}"] = _output_dtype(ospec)
        if not grades:
            cols[f"{d.name}_rule_ids"] = pl.List(pl.String())
    has_ent = any(d.spec.emits == "entitlement" for d in program.decisions)
    if has_ent:
        cols["entitlements"] = pl.List(ENTITLEMENT)
    cols |= {"events_considered": pl.Int64(), "events_after_as_of": pl.Int64(),
             "path": pl.String(), "facts_backend": pl.String()}
    return TableLayout(pl.Schema(cols), tuple(fact_types), values, has_credit, has_ent)


def _param_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | Decimal):
        return format(Decimal(value).normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def encode_params(params: Mapping[str, Any]) -> str:
    """An entitlement's extra outputs as canonical JSON (numbers as normalised text)."""
    return json.dumps({k: _param_value(v) for k, v in params.items()}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))


def decision_row(
    decision: Decision, layout: TableLayout, facts: Mapping[str, Any], row: int,
    *, facts_backend: str, path: str = "scalar",
) -> dict[str, Any]:
    """One :class:`Decision` as a decisions-table row (a dict in ``layout.schema`` order)."""
    out: dict[str, Any] = {"customer_id": decision.customer_id, "row": row}
    credit = decision.credit
    if layout.has_credit:
        out["grade"] = credit.grade if credit else None
        out["computed_grade"] = credit.computed_grade if credit else None
        out["rule_ids"] = list(credit.rule_ids) if credit else []
        out["provisional"] = credit.provisional if credit else None
        out["overrides"] = [o.model_dump() for o in credit.overrides] if credit else []
    for name in layout.facts:
        out[f"fact_{name}"] = facts.get(name)
    for d in layout.value_decisions:
        outcome = decision.outcomes.get(d.name)
        grades = d.spec.fills == "credit"
        for oname in d.spec.outputs:
            if grades and oname == "grade":
                continue
            out[f"{d.name}_{oname}"] = outcome.values.get(oname) if outcome else None
        if not grades:
            out[f"{d.name}_rule_ids"] = list(outcome.rule_ids) if outcome else []
    if layout.has_entitlements:
        out["entitlements"] = [
            {"code": e.code, "level": e.level, "clause": e.clause, "grade": e.grade,
             "params": encode_params(e.params)}
            for e in decision.entitlements
        ]
    out["events_considered"] = decision.trace.events_considered
    out["events_after_as_of"] = decision.trace.events_after_as_of
    out["path"] = path
    out["facts_backend"] = facts_backend
    return out


def task_rows(customer_id: str, row: int, tasks: Iterable[Task]) -> list[dict[str, Any]]:
    """The tasks of one decision as tasks-table rows."""
    return [
        {"customer_id": customer_id, "row": row, "kind": t.kind, "clause": t.clause,
         "trigger_event_id": t.trigger_event_id, "due": t.due, "basis": t.basis,
         "channel": t.channel, "unit": t.unit, "status": t.status,
         "completed_at": t.completed_at, "overdue_by": t.overdue_by,
         "remaining_amount": t.remaining_amount}
        for t in tasks
    ]


@dataclass(frozen=True)
class BatchResult:
    """What ``evaluate_batch`` returns: decisions, tasks and errors as polars frames.

    Every customers row is either in ``decisions`` (column ``row``) or in
    ``errors`` (``source == "customers"``); every events row is either counted
    in ``decisions`` (``events_considered + events_after_as_of``) or named in
    ``errors`` (``source == "events"``).
    """

    decisions: pl.DataFrame
    tasks: pl.DataFrame
    errors: pl.DataFrame
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    """What the columnar backend left to the scalar engine, and why."""

    def to_arrow(self) -> dict[str, Any]:
        """The three tables as pyarrow Tables, by name."""
        return {"decisions": self.decisions.to_arrow(), "tasks": self.tasks.to_arrow(),
                "errors": self.errors.to_arrow()}

    def write_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write ``decisions.parquet``, ``tasks.parquet`` and ``errors.parquet``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in ("decisions", "tasks", "errors"):
            path = out / f"{name}.parquet"
            getattr(self, name).write_parquet(path)
            paths[name] = path
        return paths

    def grade_counts(self) -> dict[str | None, int]:
        """How many customers got each grade (None = ungraded)."""
        if "grade" not in self.decisions.columns:
            return {}
        counts = self.decisions.group_by("grade").len().sort("grade", nulls_last=True)
        return {r["grade"]: r["len"] for r in counts.iter_rows(named=True)}

    def _repr_html_(self) -> str:
        from ..notebook import batch_html

        return batch_html(self)

    def __repr__(self) -> str:
        return (f"BatchResult({self.summary()}; decisions {self.decisions.shape}, "
                f"tasks {self.tasks.shape}, errors {self.errors.shape})")

    def summary(self) -> str:
        """One line: rows, grades, errors, seconds."""
        grades = ", ".join(f"{g or 'none'}={n}" for g, n in self.grade_counts().items())
        return (f"{self.decisions.height} decided, grades {grades or '-'}, "
                f"{self.errors.height} errors, {self.seconds:.1f} s")


def empty_errors() -> pl.DataFrame:
    """An errors table without rows."""
    return pl.DataFrame(schema=ERRORS_SCHEMA)
