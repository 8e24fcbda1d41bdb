"""The input convention for missing values: ``None`` and ``NaN`` mean "not given".

Rows from a DataFrame (``df.to_dict("records")``), a database driver or a CSV
reader carry every column of their table in every record: a payment row has a
``period`` key (``None`` or ``NaN``) because bills have one.  One rule covers
them, the same in every path (scalar models, batch tables, Spark):

* a field whose value is *missing* -- ``None``, a float ``NaN``, ``pandas.NA``
  or ``pandas.NaT`` -- is treated as if the key were absent;
* so ``None`` in a field the record's event type does not have is absent
  (no ``extra_forbidden``), ``None`` for an optional field (``prepaid_meter``,
  ``is_deputy``, ``transformer_kva``, ...) takes the field's default, and
  ``None`` for a required field is reported as ``missing``.

The columnar twin is :func:`gridcrm_rules.batch.tables.missing_as_null`: a null
is absent, and ``NaN`` in a float column is turned into null.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

__all__ = ["MISSING_TYPE_NAMES", "drop_missing", "is_missing", "none_for_missing"]

MISSING_TYPE_NAMES: Final = frozenset({"NAType", "NaTType"})
"""Type names of pandas' missing-value singletons (``pd.NA``, ``pd.NaT``), matched by
name so that pandas is never imported."""


_NEVER_MISSING: Final = frozenset({str, int, bool, Decimal, date, datetime})
"""Exact types whose values are never missing (checked first: the common case is cheap)."""


def is_missing(value: object) -> bool:
    """Whether ``value`` stands for "not given": None, float NaN, ``pd.NA`` or ``pd.NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in MISSING_TYPE_NAMES


def drop_missing(data: Any) -> Any:
    """A mapping without its missing values; anything else unchanged (pydantic words the
    error for a non-mapping input)."""
    if not isinstance(data, Mapping):
        return data
    for value in data.values():
        if type(value) not in _NEVER_MISSING and is_missing(value):
            return {k: v for k, v in data.items() if not is_missing(v)}
    return data


def none_for_missing(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A record with every missing value as ``None`` (keys kept: a table's columns stay)."""
    if not any(v is not None and is_missing(v) for v in data.values()):
        return data
    return {k: None if is_missing(v) else v for k, v in data.items()}
