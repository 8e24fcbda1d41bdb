"""The events table: vectorised checks, the model for the rest, one canonical frame.

The five frequent event types (bills, payments, thefts, violations, monthly
consumption) are checked with polars expressions; a row they cannot vouch for,
and every row of another type, is validated by the event union itself
(``TypeAdapter(Event)``), so errors carry the model's own field path and
message.  Then the history-level checks of :func:`~gridcrm_rules.models.parse_events`
run per customer: duplicate event ids and payments naming a bill not in the
history.  Canonical columns: ``__row``, ``customer_id``, ``type``, ``id``,
``instant`` (when the event became known, UTC), ``period``, ``month``,
``amount`` (integer fen), ``due``, ``at`` (UTC), ``bill_id``, ``kwh`` (decimal
text) and ``__model`` (the validated model is kept in :attr:`EventsIn.models`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC as PY_UTC
from typing import Any, Final

import numpy as np
import polars as pl
from pydantic import TypeAdapter, ValidationError

from ..models import Event, event_instant
from . import _parse as p
from ._catalog import EVENT_FIELDS_BY_TYPE, FAST_EVENT_TYPES, ROW, TZ, UTC
from .errors import ErrorRow, validation_errors

__all__ = ["EVENTS_SCHEMA", "EventsIn", "validate_events"]

EVENTS_SCHEMA: Final = pl.Schema(
    {
        ROW: pl.Int64(),
        "customer_id": pl.String(),
        "type": pl.String(),
        "id": pl.String(),
        "instant": UTC,
        "period": pl.String(),
        "month": pl.String(),
        "amount": pl.Int64(),
        "due": pl.Date(),
        "at": UTC,
        "bill_id": pl.String(),
        "kwh": pl.String(),
        "__model": pl.Boolean(),
    }
)
_EVENT: Final[TypeAdapter[Event]] = TypeAdapter(Event)
_MONTH_RE: Final = r"^\d{4}-(0[1-9]|1[0-2])$"


@dataclass
class EventsIn:
    """Valid events (canonical frame), models of those validated one by one, errors.

    ``rejected`` maps a customer id to the event rows that made its history invalid.
    """

    frame: pl.DataFrame
    models: dict[int, Event] = field(default_factory=dict)
    errors: list[ErrorRow] = field(default_factory=list)
    rejected: dict[str, list[int]] = field(default_factory=dict)


def _month_start_after(text: pl.Expr) -> pl.Expr:
    """00:00 Shanghai on the first day of the month after 'YYYY-MM', in UTC."""
    first = (text + "-01").str.to_date("%Y-%m-%d", strict=False).dt.offset_by("1mo")
    return first.cast(pl.Datetime("us")).dt.replace_time_zone(TZ).dt.convert_time_zone("UTC")


def _via_distinct(frame: pl.DataFrame, column: str, fn: pl.Expr, name: str) -> pl.DataFrame:
    """Add ``fn`` of a low-cardinality text column, computed once per distinct value."""
    distinct = frame.select(pl.col(column).unique()).drop_nulls()
    mapping = distinct.with_columns(fn.alias(name))
    return frame.join(mapping, on=column, how="left", nulls_equal=False)


def _stage(raw: pl.DataFrame) -> pl.DataFrame:
    """Parse every field once into ``__v.<field>`` / ``__ok.<field>`` columns."""
    schema = raw.schema
    parsers = {
        "id": lambda n, d: p.parse_str(n, d, min_len=1), "period": p.parse_str,
        "month": p.parse_str, "amount": p.parse_fen, "due": p.parse_date,
        "at": p.parse_instant, "bill_id": p.parse_str, "kwh": p.parse_decimal_text,
    }
    exprs: list[pl.Expr] = []
    for name, parse in parsers.items():
        value, ok = parse(name, schema.get(name, pl.Null()))
        exprs += [value.alias(f"__v.{name}"), ok.alias(f"__ok.{name}")]
    present = [c for c in schema if c not in (ROW, "customer_id", "type")]
    for t in FAST_EVENT_TYPES:
        foreign = [pl.col(c).is_null() for c in present if c not in EVENT_FIELDS_BY_TYPE[t]]
        exprs.append((pl.all_horizontal(foreign) if foreign else pl.lit(True)).alias(f"__own.{t}"))
    staged = raw.with_columns(exprs)
    for col in ("period", "month"):
        staged = _via_distinct(staged, f"__v.{col}", pl.struct(
            pl.col(f"__v.{col}").str.contains(_MONTH_RE).fill_null(False).alias("re"),
            _month_start_after(pl.col(f"__v.{col}")).alias("start"),
        ), f"__m.{col}")
    return staged


def _fast(staged: pl.DataFrame, type_is_text: bool) -> tuple[pl.Expr, list[pl.Expr]]:
    """The per-row 'vouched for' flag and the canonical value columns."""

    def v(name: str) -> pl.Expr:
        return pl.col(f"__v.{name}")

    def ok(name: str) -> pl.Expr:
        return pl.col(f"__ok.{name}")

    period_ok = ok("period") & pl.col("__m.period").struct.field("re").fill_null(False)
    month_ok = ok("month") & pl.col("__m.month").struct.field("re").fill_null(False)
    bill_null = v("bill_id").is_null() & (pl.col("bill_id").is_null()
                                           if "bill_id" in staged.columns else pl.lit(True))
    need = {
        "bill_issued": period_ok & ok("amount") & ok("due"),
        "payment_received": ok("at") & ok("amount") & (bill_null | ok("bill_id")),
        "theft_detected": ok("at"),
        "violation_recorded": ok("at"),
        "monthly_consumption": month_ok & ok("kwh"),
    }
    typ = pl.col("type")
    chain: Any = pl
    for t in FAST_EVENT_TYPES:
        cond = need[t] & ok("id") & pl.col(f"__own.{t}")
        chain = chain.when(typ == t).then(cond.fill_null(False))
    flag: pl.Expr = chain.otherwise(pl.lit(False)) if type_is_text else pl.lit(False)
    is_month = typ.is_in(["bill_issued", "monthly_consumption"])
    instant = (
        pl.when(typ == "bill_issued").then(pl.col("__m.period").struct.field("start"))
        .when(typ == "monthly_consumption").then(pl.col("__m.month").struct.field("start"))
        .otherwise(v("at"))
    )
    values = [
        v("id").cast(pl.String()).alias("id"),
        instant.cast(UTC).alias("instant"),
        pl.when(typ == "bill_issued").then(v("period")).cast(pl.String()).alias("period"),
        pl.when(typ == "monthly_consumption").then(v("month")).cast(pl.String()).alias("month"),
        pl.when(typ.is_in(["bill_issued", "payment_received"])).then(v("amount"))
        .cast(pl.Int64()).alias("amount"),
        pl.when(typ == "bill_issued").then(v("due")).cast(pl.Date()).alias("due"),
        pl.when(~is_month).then(v("at")).cast(UTC).alias("at"),
        pl.when(typ == "payment_received").then(v("bill_id")).cast(pl.String()).alias("bill_id"),
        pl.when(typ == "monthly_consumption").then(v("kwh")).cast(pl.String()).alias("kwh"),
    ]
    return flag, values


def _canonical(model: Event, row: int, customer_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {ROW: row, "customer_id": customer_id, "type": model.type,
                           "id": model.id, "__model": True}
    out["instant"] = event_instant(model).astimezone(PY_UTC)
    data = vars(model)
    for name in ("period", "month", "due", "bill_id"):
        out[name] = data.get(name)
    if "at" in data:
        out["at"] = data["at"].astimezone(PY_UTC)
    if "amount" in data:
        out["amount"] = int(data["amount"] * 100)
    if "kwh" in data:
        out["kwh"] = str(data["kwh"])
    return out


def validate_events(raw: pl.DataFrame) -> EventsIn:
    """Check every row of an events table (with ``__row`` and ``customer_id``)."""
    if raw.schema["customer_id"] != pl.String():
        raw = raw.with_columns(pl.col("customer_id").cast(pl.String()))
    staged = _stage(raw)
    ok, values = _fast(staged, raw.schema["type"] == pl.String())
    checked = staged.with_columns(ok.alias("__ok"))
    result = EventsIn(
        frame=checked.filter(pl.col("__ok") & pl.col("customer_id").is_not_null()).select(
            ROW, "customer_id", "type", *values, pl.lit(False).alias("__model")
        )
    )
    slow = checked.filter(~pl.col("__ok") | pl.col("customer_id").is_null()).select(raw.columns)
    canon: list[dict[str, Any]] = []
    for record in slow.iter_rows(named=True):
        row, cid = record.pop(ROW), record.pop("customer_id")
        if cid is None:
            result.errors.append(
                ErrorRow("events", row, None, "customer_id", "missing",
                         "the event names no customer (customer_id is empty)")
            )
            continue
        data = {k: v for k, v in record.items() if v is not None}
        try:
            model = _EVENT.validate_python(data)
        except ValidationError as exc:
            tag = 1 if exc.errors() and exc.errors()[0]["loc"][:1] == (data.get("type"),) else 0
            result.errors += validation_errors(exc, source="events", row=row, customer_id=cid,
                                               skip=tag)
            result.rejected.setdefault(cid, []).append(row)
            continue
        result.models[row] = model
        canon.append(_canonical(model, row, cid))
    if canon:
        extra = pl.DataFrame(canon, schema=EVENTS_SCHEMA)
        result.frame = pl.concat([result.frame, extra])
    _history_checks(result)
    return result


def _history_checks(result: EventsIn) -> None:
    """Duplicate ids and unknown bill references, per customer (as parse_events does).

    Both are found by sorting 64-bit hashes of ``(customer_id, id)``; every hit is
    confirmed on the strings, so a hash collision can cost time, never a wrong answer.
    """
    frame = result.frame
    keys = frame.select(pl.struct("customer_id", "id").hash(11)).to_series().to_numpy()
    ordered = np.sort(keys)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(repeated):
        suspects = frame.filter(pl.Series(np.isin(keys, repeated)))
        first = pl.col(ROW).min().over("customer_id", "id")
        marked = suspects.with_columns(first.alias("__first"))
        dupes = marked.filter(pl.col(ROW) != pl.col("__first"))
        for r in dupes.iter_rows(named=True):
            result.errors.append(
                ErrorRow("events", r[ROW], r["customer_id"], "id", "duplicate_event_id",
                         f"duplicate event id '{r['id']}' (first at row {r['__first']})", r["id"])
            )
            result.rejected.setdefault(r["customer_id"], []).append(r[ROW])
    is_bill = (frame.get_column("type") == "bill_issued").to_numpy()
    named = frame.filter(pl.col("bill_id").is_not_null())
    if named.is_empty():
        return
    refs = named.select(pl.struct(pl.col("customer_id"), pl.col("bill_id").alias("id"))
                        .hash(11)).to_series().to_numpy()
    bill_rows = np.flatnonzero(is_bill)
    by_key = np.argsort(keys[bill_rows], kind="stable")
    bill_keys = keys[bill_rows][by_key]
    pos = np.searchsorted(bill_keys, refs)
    found = pos < len(bill_keys)
    found[found] = bill_keys[pos[found]] == refs[found]
    # confirm on the strings: a hash hit must be a bill of the same customer with that id
    hit = named.filter(pl.Series(found))
    match = frame.select("customer_id", "id")[bill_rows[by_key[pos[found]]].tolist()]
    same = (hit.get_column("customer_id") == match.get_column("customer_id")) & (
        hit.get_column("bill_id") == match.get_column("id"))
    doubtful = hit.filter(~same)
    if not doubtful.is_empty():
        bills = frame.filter(pl.col("type") == "bill_issued").select("customer_id", "id")
        doubtful = doubtful.join(bills, left_on=["customer_id", "bill_id"],
                                 right_on=["customer_id", "id"], how="anti")
    unconfirmed = doubtful
    unknown = pl.concat([named.filter(pl.Series(~found)), unconfirmed])
    for r in unknown.iter_rows(named=True):
        result.errors.append(
            ErrorRow("events", r[ROW], r["customer_id"], "bill_id", "unknown_bill",
                     f"payment names bill '{r['bill_id']}', which is not in the history",
                     r["bill_id"])
        )
        result.rejected.setdefault(r["customer_id"], []).append(r[ROW])
