"""Annotated field types shared by the input models.

Each type refuses what RULES.md §0 calls an error instead of guessing:
naive datetimes, negative money, more than two decimals of a yuan.
"""

from __future__ import annotations

import numbers
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field

from .._time import start_of_day

__all__ = ["Day", "Instant", "Kwh", "Money", "YearMonth", "day_not_a_number",
           "instant_from_date"]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")

INSTANT_TEXT = r"^\d{4}-\d{2}-\d{2}[Tt ]\d"
"""What an instant written as text starts with (ISO 8601: ``2026-01-05T10:00``); the
native path of :func:`~gridcrm_rules.models.parse_events` lets only such text (or a
``datetime``) reach the datetime parser, which would read a number as a Unix time."""
DAY_TEXT = r"^\d{4}-\d{2}-\d{2}$"
"""A day written as text (``2026-01-05``), likewise for date fields."""


def _refuse_number(value: Any, expected: str) -> None:
    """pydantic reads a number (``20260105``, ``"1767225600"``) given for a date or an
    instant as a Unix time: a silent guess of 1970 for a compact date.  Refuse it."""
    if isinstance(value, numbers.Number) or (  # numpy's numbers too
            isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError(f"expected {expected}, got the number {value!r} (a number is not "
                         "read as a date or a Unix time)")


def instant_from_date(value: Any) -> Any:
    """A date (or a 'YYYY-MM-DD' string) means 00:00 Asia/Shanghai (DESIGN.md); a number
    is refused (pydantic would read it as a Unix time).

    The identity on anything else: an aware instant needs no Python step, so the
    native path of :func:`~gridcrm_rules.models.parse_events` replaces this one by a
    native check of the same refusal (:data:`INSTANT_TEXT`).
    """
    _refuse_number(value, "an ISO 8601 date (2026-01-05) or an aware datetime "
                   "(2026-01-05T10:00:00+08:00)")
    if isinstance(value, date) and not isinstance(value, datetime):
        return start_of_day(value)
    if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        return start_of_day(date.fromisoformat(value.strip()))
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(instant_from_date)]
"""A timezone-aware instant; a date alone is 00:00 Asia/Shanghai; naive is refused."""


def day_not_a_number(value: Any) -> Any:
    """A day field refuses a number (``20261015``), which pydantic would read as a Unix
    time; the identity on anything else (the native path checks :data:`DAY_TEXT`)."""
    _refuse_number(value, "an ISO 8601 date (2026-10-15)")
    return value


Day = Annotated[date, BeforeValidator(day_not_a_number)]
"""A calendar day, ``YYYY-MM-DD`` (or a ``date``); a number is refused."""

Money = Annotated[Decimal, Field(ge=0, decimal_places=2, allow_inf_nan=False)]
"""An amount in CNY: non-negative, at most two decimals (fen)."""

Kwh = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
"""Energy in kWh, non-negative."""

YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
"""A billing month written 'YYYY-MM'."""
