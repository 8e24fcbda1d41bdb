"""Annotated field types shared by the input models.

Each type refuses what RULES.md §0 calls an error instead of guessing:
naive datetimes, negative money, more than two decimals of a yuan.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Field

from .._time import start_of_day

__all__ = ["Instant", "Kwh", "Money", "YearMonth", "instant_from_date"]

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def instant_from_date(value: Any) -> Any:
    """A date (or a 'YYYY-MM-DD' string) means 00:00 Asia/Shanghai (DESIGN.md).

    The identity on anything else: an aware instant needs no Python step, so the
    native path of :func:`~gridcrm_rules.models.parse_events` leaves this one out.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return start_of_day(value)
    if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        return start_of_day(date.fromisoformat(value.strip()))
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(instant_from_date)]
"""A timezone-aware instant; a date alone is 00:00 Asia/Shanghai; naive is refused."""

Money = Annotated[Decimal, Field(ge=0, decimal_places=2, allow_inf_nan=False)]
"""An amount in CNY: non-negative, at most two decimals (fen)."""

Kwh = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
"""Energy in kWh, non-negative."""

YearMonth = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
"""A billing month written 'YYYY-MM'."""
