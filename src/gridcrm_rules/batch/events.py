"""The events table: vectorised checks, the model for the rest, one canonical frame.

The five frequent event types (bills, payments, thefts, violations, monthly
consumption) are checked with polars expressions; a row they cannot vouch for,
and every row of another type, is validated by the event union itself
(``TypeAdapter(Event)``), so errors carry the model's own field path and
message.  Then the history-level checks of :func:`~gridcrm_rules.models.parse_events`
run per customer (:mod:`._history`): duplicate event ids and payments naming a
bill not in the history.

Typed columns (Parquet ``Decimal``, ``Date``, aware ``Datetime``) are checked
by value and never re-parsed, and a row's canonical values are its own columns:
the checks require every field that its type does not carry to be null, so no
per-type selection is needed.  Text columns (CSV) go through the same checks
with the text parsers of :mod:`._parse`.

Canonical columns: ``__row``, ``customer_id``, ``__ckey`` (:mod:`._keys`),
``type``, ``id``, ``instant`` (when the event became known, UTC), ``period``,
``month``, ``amount`` (integer fen), ``due``, ``at`` (UTC), ``bill_id``, ``kwh``
(decimal text), ``__bill_row`` (the row of the bill a payment names) and
``__model`` (the validated model is kept in :attr:`EventsIn.models`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC as PY_UTC
from decimal import Decimal
from typing import Any, Final

import polars as pl
from pydantic import TypeAdapter, ValidationError

from ..models import Event, event_instant
from ..models.events import named_event_types
from . import _parse as p
from ._catalog import BILL_ROW, CKEY, EVENT_FIELDS_BY_TYPE, FAST_EVENT_TYPES, ROW, TZ, UTC
from ._distinct import per_distinct
from ._history import check_history
from ._keys import customer_keys
from .errors import ErrorRow, validation_errors

__all__ = ["EVENTS_SCHEMA", "EventsIn", "validate_events"]

EVENTS_SCHEMA: Final = pl.Schema(
    {
        ROW: pl.Int64(),
        "customer_id": pl.String(),
        CKEY: pl.Int64(),
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
        BILL_ROW: pl.Int64(),
        "__model": pl.Boolean(),
    }
)
_EVENT: Final[TypeAdapter[Event]] = TypeAdapter(Event)
_MONTH_RE: Final = r"^\d{4}-(0[1-9]|1[0-2])$"
_MONTH_FIELDS: Final = {"period": "bill_issued", "month": "monthly_consumption"}
"""Fields holding a 'YYYY-MM' month, and the type whose instant is that month's end."""
_PARSERS: Final[Mapping[str, Callable[[str, pl.DataType], p.Parsed]]] = {
    "id": lambda n, d: p.parse_str(n, d, min_len=1), "period": p.parse_str,
    "month": p.parse_str, "amount": p.parse_fen, "due": p.parse_date,
    "at": p.parse_instant, "bill_id": p.parse_str, "kwh": p.parse_decimal_text,
}


@dataclass
class EventsIn:
    """Valid events (canonical frame), models of those validated one by one, errors.

    ``rejected`` maps a customer id to the event rows that made its history invalid;
    ``ids`` holds the customer id of every key in ``__ckey`` (key k is ``ids[k]``).
    """

    frame: pl.DataFrame
    ids: pl.Series
    models: dict[int, Event] = field(default_factory=dict)
    errors: list[ErrorRow] = field(default_factory=list)
    rejected: dict[str, list[int]] = field(default_factory=dict)


def _month_start_after(text: pl.Expr) -> pl.Expr:
    """00:00 Shanghai on the first day of the month after 'YYYY-MM', in UTC."""
    first = (text + "-01").str.to_date("%Y-%m-%d", strict=False).dt.offset_by("1mo")
    return first.cast(pl.Datetime("us")).dt.replace_time_zone(TZ).dt.convert_time_zone("UTC")


def _month_table(name: str) -> Callable[[pl.Series], pl.DataFrame]:
    """For distinct 'YYYY-MM' texts: vouched for (unpadded, a real month), month's end."""

    def compute(distinct: pl.Series) -> pl.DataFrame:
        col = pl.col(name)
        return distinct.alias(name).to_frame().select(
            (p.parse_str(name, pl.String())[1] & col.str.contains(_MONTH_RE))
            .alias(f"__ok.{name}"),
            _month_start_after(col).alias(f"__start.{name}"),
        )

    return compute


def _with_months(raw: pl.DataFrame) -> pl.DataFrame:
    """Add ``__ok.<f>`` / ``__start.<f>`` for the month fields, once per distinct value."""
    for name in _MONTH_FIELDS:
        if raw.schema.get(name) == pl.String:
            raw = raw.hstack(per_distinct(raw.get_column(name), _month_table(name)))
    return raw


def _own_fields(schema: pl.Schema, kind: str) -> pl.Expr:
    """Every present field that events of ``kind`` do not carry is null."""
    foreign = [pl.col(c).is_null() for c in schema
               if not c.startswith("__") and c not in ("customer_id", "type")
               and c not in EVENT_FIELDS_BY_TYPE[kind]]
    return pl.all_horizontal(foreign) if foreign else pl.lit(True)


def _fast(schema: pl.Schema) -> tuple[pl.Expr, list[pl.Expr]]:
    """The per-row 'vouched for' flag and the canonical value columns.

    On a vouched-for row every field the type does not carry is null, so each
    canonical column is the parsed field itself.
    """
    parsed = {name: parse(name, schema.get(name, pl.Null())) for name, parse in _PARSERS.items()}

    def v(name: str) -> pl.Expr:
        return parsed[name][0]

    def ok(name: str) -> pl.Expr:
        return parsed[name][1]

    def month_ok(name: str) -> pl.Expr:
        if f"__ok.{name}" not in schema:
            return pl.lit(False)
        return pl.col(f"__ok.{name}").fill_null(False)

    bill_null = pl.col("bill_id").is_null() if "bill_id" in schema else pl.lit(True)
    need = {
        "bill_issued": month_ok("period") & ok("amount") & ok("due"),
        "payment_received": ok("at") & ok("amount") & (bill_null | ok("bill_id")),
        "theft_detected": ok("at"),
        "violation_recorded": ok("at"),
        "monthly_consumption": month_ok("month") & ok("kwh"),
    }
    typ = pl.col("type")
    flag: pl.Expr = pl.lit(False)
    if schema["type"] == pl.String:
        chain: Any = pl
        for t in FAST_EVENT_TYPES:
            chain = chain.when(typ == t).then(need[t] & _own_fields(schema, t))
        flag = (ok("id") & chain.otherwise(pl.lit(False))).fill_null(False)
    instant: Any = pl
    for name, kind in _MONTH_FIELDS.items():
        if f"__start.{name}" in schema:
            instant = instant.when(typ == kind).then(pl.col(f"__start.{name}"))
    instant = v("at") if instant is pl else instant.otherwise(v("at"))
    values = [
        pl.col(ROW), pl.col("customer_id"), pl.col(CKEY), typ,
        v("id").cast(pl.String()).alias("id"),
        instant.cast(UTC).alias("instant"),
        v("period").cast(pl.String()).alias("period"),
        v("month").cast(pl.String()).alias("month"),
        v("amount").cast(pl.Int64()).alias("amount"),
        v("due").cast(pl.Date()).alias("due"),
        v("at").cast(UTC).alias("at"),
        v("bill_id").cast(pl.String()).alias("bill_id"),
        v("kwh").cast(pl.String()).alias("kwh"),
        pl.lit(None, pl.Int64()).alias(BILL_ROW),
        pl.lit(False).alias("__model"),
    ]
    return flag & (pl.col(CKEY) >= 0), values


_MAX_FEN: Final = 2**63 - 1


def _fen(amount: Decimal) -> int | None:
    """Money as integer fen, or None where the ``amount`` column cannot hold it.

    A valid amount has no upper bound; one beyond Int64 fen (about 9.2e16 yuan) is
    held as null, and the columnar facts leave its customer to the Python provider.
    """
    fen = int(amount * 100)
    return fen if fen <= _MAX_FEN else None


def _canonical(model: Event, row: int, customer_id: str, key: int) -> dict[str, Any]:
    out: dict[str, Any] = {ROW: row, "customer_id": customer_id, CKEY: key, "type": model.type,
                           "id": model.id, "__model": True}
    out["instant"] = event_instant(model).astimezone(PY_UTC)
    data = vars(model)
    for name in ("period", "month", "due", "bill_id"):
        out[name] = data.get(name)
    # Optional fields (a prepayment's amount) may be absent: None stays None.
    if data.get("at") is not None:
        out["at"] = data["at"].astimezone(PY_UTC)
    if data.get("amount") is not None:
        out["amount"] = _fen(data["amount"])
    if data.get("kwh") is not None:
        out["kwh"] = str(data["kwh"])
    return out


def _by_model(slow: pl.DataFrame, result: EventsIn) -> None:
    """Validate the rows the fast checks did not vouch for with the event union."""
    canon: list[dict[str, Any]] = []
    for record in slow.iter_rows(named=True):
        row, cid, key = record.pop(ROW), record.pop("customer_id"), record.pop(CKEY)
        if cid is None:
            result.errors.append(
                ErrorRow("events", row, None, "customer_id", "missing",
                         "the event names no customer (customer_id is empty)")
            )
            continue
        data = {k: v for k, v in record.items() if v is not None}
        try:
            model = _EVENT.validate_python(data)
        except ValidationError as raw:
            exc = named_event_types(raw)
            tag = 1 if exc.errors() and exc.errors()[0]["loc"][:1] == (data.get("type"),) else 0
            result.errors += validation_errors(exc, source="events", row=row, customer_id=cid,
                                               skip=tag)
            result.rejected.setdefault(cid, []).append(row)
            continue
        result.models[row] = model
        canon.append(_canonical(model, row, cid, key))
    if canon:
        extra = pl.DataFrame(canon, schema=EVENTS_SCHEMA)
        result.frame = pl.concat([result.frame, extra], rechunk=True)


def _unknown_references(result: EventsIn) -> None:
    """Refuse every event whose ``for_event`` names no event of its customer's history.

    Only model-validated rows carry ``for_event`` (no fast type has it); the ids
    they name are looked up among the customer's ids by a join, as
    :func:`~gridcrm_rules.models.parse_events` does for one history.
    """
    refs = [(row, getattr(m, "for_event", None), m.type) for row, m in result.models.items()]
    refs = [r for r in refs if r[1] is not None]
    if not refs:
        return
    frame = result.frame
    asked = pl.DataFrame({ROW: [r[0] for r in refs], "__ref": [r[1] for r in refs],
                          "__type": [r[2] for r in refs]},
                         schema={ROW: pl.Int64, "__ref": pl.String, "__type": pl.String})
    asked = asked.join(frame.select(ROW, "customer_id", CKEY), on=ROW, how="inner")
    known = frame.select(CKEY, pl.col("id").alias("__ref"))
    missing = asked.join(known, on=[CKEY, "__ref"], how="anti").sort(ROW)
    for r in missing.iter_rows(named=True):
        result.errors.append(
            ErrorRow("events", r[ROW], r["customer_id"], "for_event", "unknown_event",
                     f"{r['__type']} names event '{r['__ref']}' (for_event), which is not "
                     "in the history", r["__ref"])
        )
        result.rejected.setdefault(r["customer_id"], []).append(r[ROW])


def validate_events(raw: pl.DataFrame) -> EventsIn:
    """Check every row of an events table (with ``__row`` and ``customer_id``)."""
    if raw.schema["customer_id"] != pl.String():
        raw = raw.with_columns(pl.col("customer_id").cast(pl.String()))
    if raw.schema["type"] != pl.String():
        # categorical, or a column of nulls or numbers: every row whose type is not an
        # event type's text is then refused by the event models, row by row, as evaluate
        # refuses it (a null type is ``missing``); before, a chunk of them crashed
        raw = raw.with_columns(pl.col("type").cast(pl.String()))
    keys = customer_keys(raw.get_column("customer_id"))
    if keys.padded:  # the id an event names is the customer's id as the model strips it
        raw = raw.with_columns(pl.col("customer_id").str.strip_chars())
    # One contiguous chunk per column: columns added from NumPy below have one chunk, and
    # polars would otherwise re-align the whole frame's chunks in every operation.
    raw = raw.rechunk().with_columns(pl.Series(CKEY, keys.per_row, dtype=pl.Int64))
    staged = _with_months(raw)
    ok, values = _fast(staged.schema)
    checked = staged.with_columns(ok.alias("__ok"))
    vouched = checked.get_column("__ok")
    if vouched.all():
        fast, slow = checked.select(values), checked.clear().select(raw.columns)
    else:
        fast = checked.filter(pl.col("__ok")).select(values)
        slow = checked.filter(~pl.col("__ok")).select(raw.columns)
    result = EventsIn(frame=fast, ids=keys.ids)
    _by_model(slow, result)
    history = check_history(result.frame)
    result.errors += history.errors
    _unknown_references(result)
    for cid, rows in history.rejected.items():
        result.rejected.setdefault(cid, []).extend(rows)
    result.frame = result.frame.with_columns(history.bill_row)
    return result
