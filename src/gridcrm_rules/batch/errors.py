"""Error rows of a batch: one flat record per refused input row or failed evaluation.

The shape follows :class:`~gridcrm_rules.errors.ErrorRecord` (``type``/``loc``/
``msg``/``input``) plus where the row came from: ``source`` (``customers`` or
``events``), ``row`` (0-based position in that input) and ``customer_id``.

``source == "decisions"`` marks a part of a decided customer's decision that
could not be decided (a :class:`~gridcrm_rules.models.PartError`): the customer
is in the decisions table too; ``loc`` is pack.decision.rule, ``input`` the
trigger event, clause, year and offending values as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
from pydantic import ValidationError

from ..models import Decision

__all__ = ["ERRORS_SCHEMA", "ErrorRow", "error_frame", "part_errors", "validation_errors"]

ERRORS_SCHEMA: Final = pl.Schema(
    {
        "source": pl.String(),
        "row": pl.Int64(),
        "customer_id": pl.String(),
        "loc": pl.String(),
        "type": pl.String(),
        "msg": pl.String(),
        "input": pl.String(),
    }
)


@dataclass(frozen=True, slots=True)
class ErrorRow:
    """One problem with one input row (or one customer that could not be decided)."""

    source: str
    row: int | None
    customer_id: str | None
    loc: str
    type: str
    msg: str
    input: str | None = None


def _text(value: Any) -> str | None:
    """The offending input as an analyst reads it in a CSV or Parquet table: a text as it
    is, a number or date as written (``-1.005``, ``2026-05-01``), a record or list as
    JSON -- never a Python repr (``Decimal('-1.005')``); at most 200 characters."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list | tuple | set | frozenset | bool | int | float):
        try:
            text = json.dumps(value, ensure_ascii=False, default=_json_scalar)
        except TypeError:  # a dict with keys JSON has no form for
            text = str(value)
    else:
        text = str(_json_scalar(value))
    return text if len(text) <= 200 else text[:197] + "..."


def _json_scalar(value: Any) -> Any:
    """``json.dumps``'s fallback: a Decimal, date, datetime or other value as its text,
    bytes decoded, a set as a list."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "backslashreplace")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def validation_errors(
    exc: ValidationError, *, source: str, row: int, customer_id: str | None, skip: int = 0
) -> list[ErrorRow]:
    """Every error of a pydantic ValidationError as rows; ``skip`` drops loc prefixes."""
    out = []
    for e in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"][skip:]) or "type"
        out.append(ErrorRow(source, row, customer_id, loc, e["type"], e["msg"], _text(e["input"])))
    return out


def part_errors(decision: Decision, row: int) -> list[ErrorRow]:
    """One ``decisions`` error row per part of ``decision`` that could not be decided."""
    out = []
    for e in decision.errors:
        detail = {"decision": e.decision, "clause": e.clause,
                  "trigger_event_id": e.trigger_event_id, "year": e.year, "values": e.values,
                  "hint": e.hint}
        given = {k: v for k, v in detail.items() if v not in (None, {})}
        out.append(ErrorRow("decisions", row, decision.customer_id, ".".join(e.loc), e.type,
                            e.msg, json.dumps(given, ensure_ascii=False, sort_keys=True)))
    return out


def error_frame(rows: Iterable[ErrorRow] | Sequence[ErrorRow]) -> pl.DataFrame:
    """Error rows as a DataFrame with :data:`ERRORS_SCHEMA`."""
    items = list(rows)
    return pl.DataFrame(
        {name: [getattr(r, name) for r in items] for name in ERRORS_SCHEMA.names()},
        schema=ERRORS_SCHEMA,
    )
