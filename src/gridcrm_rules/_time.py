"""Time-zone conventions shared by every part (RULES.md §0).

All datetimes are Asia/Shanghai unless the caller says otherwise; a naive
datetime is an input error, never a guess.  A date alone means 00:00 of that
day in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "instant_argument", "local_date", "start_of_day", "to_aware"]

SHANGHAI = ZoneInfo("Asia/Shanghai")

_UTC_PLUS_8 = timedelta(hours=8)
_FIXED_SINCE = 1992
"""Asia/Shanghai has been UTC+08:00 without daylight saving since September 1991 (tz
database), so an instant of a later year written at +08:00 shows Shanghai's wall clock."""


def start_of_day(d: date) -> datetime:
    """00:00 of ``d`` in Asia/Shanghai."""
    return datetime.combine(d, time(0, 0), tzinfo=SHANGHAI)


def to_aware(value: date | datetime | str) -> datetime:
    """An aware datetime from a date (00:00 Shanghai), an aware datetime, or ISO text.

    Raises ``ValueError`` for a naive datetime (the caller must say which zone) and for
    text that is not ISO 8601, ``TypeError`` for anything else.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.isdigit():  # 20261122 would read as a naive datetime
                raise ValueError("not a date")
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"expected ISO 8601 text (2026-11-22 or "
                             f"2026-11-22T09:00:00+08:00), got {value!r} ({exc})") from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: give a time zone (e.g. +08:00)")
        return value
    if not isinstance(value, date):
        raise TypeError(f"expected a date, an aware datetime or ISO 8601 text, got "
                        f"{type(value).__name__} {value!r}")
    return start_of_day(value)


def instant_argument(value: date | datetime | str, name: str) -> datetime:
    """:func:`to_aware` of an API argument; its error names the argument (``as_of: ...``)."""
    try:
        return to_aware(value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: {exc}") from None


def local_date(value: date | datetime) -> date:
    """The Shanghai calendar date on which an instant falls."""
    if isinstance(value, datetime):
        if value.tzinfo is SHANGHAI:  # already Shanghai wall-clock time (most instants)
            return value.date()
        if value.utcoffset() == _UTC_PLUS_8 and value.year >= _FIXED_SINCE:
            return value.date()  # written at +08:00 (pydantic's fixed offset): the same clock
        return to_aware(value).astimezone(SHANGHAI).date()
    return value
