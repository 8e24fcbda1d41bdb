"""Comparing expected values (as written in YAML) with decided values, by type.

Datetimes compare as instants, decimals numerically, dates by value; a list
of rule ids is satisfied when every listed id is present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from .._time import to_aware

__all__ = ["same", "subset_of"]


_DURATION: Final = TypeAdapter(timedelta)


def _as_timedelta(value: Any) -> timedelta | None:
    """An expected duration: ISO 8601 (``PT4H``, as the Decision JSON and explanations
    write it), ``H:MM:SS`` or seconds -- pydantic's own timedelta parsing."""
    if isinstance(value, bool):
        return None
    try:
        parsed: timedelta = _DURATION.validate_python(value)
    except ValidationError:
        return None
    return parsed


def same(expected: Any, actual: Any) -> bool:
    """Whether ``expected`` (from YAML) means the same value as ``actual``."""
    if expected is None or actual is None:
        return expected is None and actual is None
    try:
        if isinstance(actual, bool) or isinstance(expected, bool):
            return expected is actual or (
                isinstance(expected, str) and expected.lower() == str(actual).lower()
            )
        if isinstance(actual, datetime):
            return to_aware(expected) == actual
        if isinstance(actual, date):
            return (
                date.fromisoformat(expected) if isinstance(expected, str) else expected
            ) == actual
        if isinstance(actual, Decimal | int | float):
            return Decimal(str(expected)) == Decimal(str(actual))
        if isinstance(actual, timedelta):
            return _as_timedelta(expected) == actual
    except (ValueError, TypeError, InvalidOperation):
        return False
    if isinstance(actual, Sequence) and not isinstance(actual, str):
        return subset_of(expected, actual)
    return bool(expected == actual)


def subset_of(expected: Any, actual: Sequence[Any]) -> bool:
    """Every expected item is in ``actual`` (used for ``rule_ids`` and lists).

    An expected empty list means ``actual`` must be empty: ``checks: []`` asserts
    that no check was raised, not merely nothing in particular.
    """
    items = expected if isinstance(expected, list | tuple) else [expected]
    if not items:
        return len(actual) == 0
    return all(any(same(e, a) for a in actual) for e in items)


def field_of(obj: Any, name: str) -> tuple[bool, Any]:
    """(found, value): an attribute, or a key of ``params``/``facts``/``values``."""
    if isinstance(obj, Mapping):
        return (name in obj), obj.get(name)
    if name in getattr(type(obj), "model_fields", {}):
        return True, getattr(obj, name)
    for bag in ("params", "facts", "values"):
        inner = getattr(obj, bag, None)
        if isinstance(inner, Mapping) and name in inner:
            return True, inner[name]
    return False, None


__all__ += ["field_of"]
