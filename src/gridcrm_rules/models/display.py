"""How numbers and durations are shown to people: one rule for text, HTML and reports.

Values keep their full precision in the :class:`~gridcrm_rules.Decision` and its JSON;
only their display is rounded.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from pydantic import TypeAdapter

__all__ = ["DISPLAY_STEP", "format_duration", "format_number", "readable_duration"]

DISPLAY_STEP: Final = Decimal("0.01")
"""Numbers are shown to 0.01 (money in CNY, energy in kWh, percentages); values keep
their full precision in the Decision itself and in its JSON."""

_DURATION: Final = TypeAdapter(timedelta)


def format_number(value: Decimal | float) -> str:
    """A number for display: at most two decimals, half up (``88966.32``)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return str(number)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return str(number)
    return str(number.quantize(DISPLAY_STEP, rounding=ROUND_HALF_UP))


def format_duration(value: timedelta) -> str:
    """A duration as ISO 8601 (``P1DT2H``), the form the Decision's JSON uses too."""
    text: str = _DURATION.dump_python(value, mode="json")
    return text


def readable_duration(value: timedelta) -> str:
    """A duration for a person reading text: ``325 d 9 h``, ``4 h 30 min``, ``45 s``.

    Days and hours from one day up, hours and minutes under a day, seconds under a
    minute; smaller parts are dropped (never rounded up), so it reads as "at least".
    The exact value stays in the Decision and its JSON (:func:`format_duration`).
    """
    sign = "-" if value < timedelta(0) else ""
    total = int(abs(value).total_seconds())
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        parts = [f"{days} d"] + ([f"{hours} h"] if hours else [])
    elif hours or minutes:
        parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    elif seconds:
        parts = [f"{seconds} s"]
    else:
        return "0 s" if not value else f"{sign}< 1 s"
    return sign + " ".join(parts)
