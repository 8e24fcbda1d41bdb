"""The customers table: vectorised checks, the model for the rest, one canonical frame.

Every row ends up either in the canonical frame (one row per valid customer,
typed columns named as the :class:`Customer` fields, plus ``customer_id`` and
``__row``) or as error rows.  Rows the fast checks cannot vouch for are
validated by :class:`Customer` itself, so the errors are the model's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

import polars as pl
from pydantic import ValidationError

from ..models import Customer
from . import _parse as p
from ._catalog import DEC, ROW
from ._fields import FieldSpec, field_specs
from .errors import ErrorRow, validation_errors

__all__ = ["CUSTOMER_SPECS", "CustomersIn", "canonical_dtype", "validate_customers"]

CUSTOMER_SPECS: Final = field_specs(Customer)
EXACT: Final = "__exact"
"""False where a value does not fit the canonical column (e.g. > 9 decimals): such a
customer is decided by the scalar engine."""

_DTYPES: Final[dict[str, pl.DataType]] = {
    "str": pl.String(),
    "choice": pl.String(),
    "bool": pl.Boolean(),
    "decimal": DEC,
    "int": pl.Int64(),
    "date": pl.Date(),
}
_NINE = Decimal("1e-9")


def canonical_dtype(spec: FieldSpec) -> pl.DataType | None:
    """The polars type a field is held in, or None for fields only the model holds."""
    return _DTYPES.get(spec.kind)


@dataclass
class CustomersIn:
    """Valid customers (canonical frame), their models where validated one by one, errors."""

    frame: pl.DataFrame
    models: dict[int, Customer] = field(default_factory=dict)
    errors: list[ErrorRow] = field(default_factory=list)


def _bounded(value: pl.Expr, spec: FieldSpec) -> pl.Expr:
    ok = pl.lit(True)
    for bound, op in (("ge", "ge"), ("gt", "gt"), ("le", "le"), ("lt", "lt")):
        limit = getattr(spec, bound)
        if limit is not None:
            ok = ok & getattr(value, op)(pl.lit(limit))
    return ok


def _parse(spec: FieldSpec, dtype: pl.DataType) -> p.Parsed | None:
    name = spec.name
    parsed: p.Parsed | None
    if spec.kind == "str":
        parsed = p.parse_str(name, dtype, min_len=spec.min_len)
    elif spec.kind == "choice":
        parsed = p.parse_choice(name, dtype, spec.choices)
    elif spec.kind == "bool":
        parsed = p.parse_bool(name, dtype)
    elif spec.kind == "decimal":
        value, ok = p.parse_decimal(name, dtype)
        parsed = value, ok & _bounded(value, spec).fill_null(False)
    elif spec.kind == "int":
        if not dtype.is_integer():
            return pl.lit(None, pl.Int64), pl.lit(False)
        col = pl.col(name).cast(pl.Int64)
        parsed = col, col.is_not_null() & _bounded(col, spec).fill_null(False)
    elif spec.kind == "date":
        parsed = p.parse_date(name, dtype)
    else:
        return None
    return parsed


def _canonical_row(model: Customer, row: int) -> dict[str, Any]:
    out: dict[str, Any] = {ROW: row, "customer_id": model.id, EXACT: True}
    for name, spec in CUSTOMER_SPECS.items():
        if canonical_dtype(spec) is None:
            continue
        value = getattr(model, name)
        if isinstance(value, Decimal):
            fits = value == value.quantize(_NINE) if value.adjusted() < 28 else False
            if not fits:
                out[EXACT] = False
                value = None
        out[name] = value
    return out


def frame_schema() -> dict[str, pl.DataType]:
    """Columns of the canonical customers frame."""
    schema: dict[str, pl.DataType] = {ROW: pl.Int64(), "customer_id": pl.String(),
                                      EXACT: pl.Boolean()}
    for name, spec in CUSTOMER_SPECS.items():
        dtype = canonical_dtype(spec)
        if dtype is not None:
            schema[name] = dtype
    return schema


def validate_customers(raw: pl.DataFrame) -> CustomersIn:
    """Check every row of a customers table (with ``__row``); see the module doc."""
    schema = raw.schema
    values: list[pl.Expr] = []
    oks: list[pl.Expr] = []
    for name, spec in CUSTOMER_SPECS.items():
        dtype = canonical_dtype(spec)
        if name not in schema:
            if dtype is not None:
                values.append(pl.lit(spec.default, dtype).alias(name))
            if spec.required:
                oks.append(pl.lit(False))
            continue
        col = pl.col(name)
        parsed = _parse(spec, schema[name])
        if parsed is None:  # only the model knows this field: any value sends the row there
            oks.append(col.is_null())
            continue
        value, ok = parsed
        assert dtype is not None
        if spec.required:
            oks.append(ok)
            values.append(value.cast(dtype).alias(name))
        else:
            oks.append(col.is_null() | ok)
            default = pl.lit(spec.default, dtype)
            values.append(pl.when(col.is_null()).then(default).otherwise(value.cast(dtype))
                          .alias(name))
    fast_ok = pl.all_horizontal(oks) if oks else pl.lit(True)
    checked = raw.with_columns(fast_ok.alias("__ok"))
    fast = checked.filter(pl.col("__ok")).select(
        pl.col(ROW), pl.col("id").alias("customer_id"), pl.lit(True).alias(EXACT), *values
    )
    slow_rows = checked.filter(~pl.col("__ok")).drop("__ok")
    result = CustomersIn(frame=fast.select(list(frame_schema())))
    canon: list[dict[str, Any]] = []
    for record in slow_rows.iter_rows(named=True):
        row = record.pop(ROW)
        data = {k: v for k, v in record.items() if v is not None}
        raw_id = record.get("id")
        try:
            model = Customer.model_validate(data)
        except ValidationError as exc:
            cid = raw_id.strip() if isinstance(raw_id, str) else None
            result.errors += validation_errors(exc, source="customers", row=row, customer_id=cid)
            continue
        result.models[row] = model
        canon.append(_canonical_row(model, row))
    if canon:
        extra = pl.DataFrame(canon, schema=frame_schema())
        result.frame = pl.concat([result.frame, extra]).sort(ROW)
    return result


def duplicate_ids(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[ErrorRow]]:
    """Keep the first row of each customer id; later rows with the same id are errors."""
    marked = frame.with_columns(pl.col(ROW).min().over("customer_id").alias("__first"))
    later = pl.col(ROW) != pl.col("__first")
    errors = [
        ErrorRow("customers", r[ROW], r["customer_id"], "id", "duplicate_customer_id",
                 f"duplicate customer id {r['customer_id']!r} (first at row {r['__first']})",
                 r["customer_id"])
        for r in marked.filter(later).iter_rows(named=True)
    ]
    if not errors:
        return frame, []
    return marked.filter(~later).drop("__first"), errors
