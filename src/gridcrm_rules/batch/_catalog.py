"""What the input tables may hold: columns, their canonical polars types, fast-path types.

Derived from the pydantic models, so a field added to :class:`Customer` or to an
event model is known here without a second list to keep in step.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Final

import polars as pl

from ..models import Customer
from ..models.events import EVENT_MODELS

__all__ = [
    "BILL_ROW",
    "CKEY",
    "CUSTOMER_FIELDS",
    "DEC",
    "EVENT_FIELDS",
    "EVENT_FIELDS_BY_TYPE",
    "FAST_EVENT_TYPES",
    "REQUIRED_CUSTOMER_FIELDS",
    "ROW",
    "TZ",
    "UTC",
]

ROW: Final = "__row"
"""Column holding a row's 0-based position in its input table."""

CKEY: Final = "__ckey"
"""Column holding an event's customer key: dense, per chunk, in the order of the ids."""

BILL_ROW: Final = "__bill_row"
"""Column holding, for a payment that names a bill, that bill's ``__row`` (else null)."""

TZ: Final = "Asia/Shanghai"
UTC: Final = pl.Datetime("us", "UTC")
"""Instants are held in UTC microseconds inside the batch backend."""

DEC: Final = pl.Decimal(38, 9)
"""Customer quantities (kV, kVA): exact decimals with up to 9 places."""

CUSTOMER_FIELDS: Final[tuple[str, ...]] = tuple(Customer.model_fields)
"""Columns the customers table may have (``id`` is the customer id)."""
REQUIRED_CUSTOMER_FIELDS: Final[tuple[str, ...]] = tuple(
    name for name, f in Customer.model_fields.items() if f.is_required())
"""The customer columns a table must have (``id``, ``category``, ``supply_voltage_kv``)."""

EVENT_FIELDS_BY_TYPE: Final[Mapping[str, frozenset[str]]] = types.MappingProxyType(
    {t: frozenset(m.model_fields) - {"type"} for t, m in EVENT_MODELS.items()}
)
"""Event ``type`` -> the fields it may carry (besides ``type``)."""

EVENT_FIELDS: Final[tuple[str, ...]] = tuple(
    sorted({f for fields in EVENT_FIELDS_BY_TYPE.values() for f in fields} | {"type"})
)
"""Columns the events table may have, besides ``customer_id``."""

FAST_EVENT_TYPES: Final = (
    "bill_issued",
    "payment_received",
    "theft_detected",
    "violation_recorded",
    "monthly_consumption",
)
"""Event types validated by vectorised checks; other types go through pydantic per row."""
