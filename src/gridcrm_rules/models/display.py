"""How numbers and durations are shown to people: one rule for text, HTML and reports.

Values keep their full precision in the :class:`~gridcrm_rules.Decision` and its JSON;
only their display is rounded.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from pydantic import TypeAdapter

__all__ = ["DISPLAY_STEP", "format_duration", "format_number"]

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
