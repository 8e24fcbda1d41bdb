"""The values a decision records (facts, entitlement params, rule reads and outputs).

In Python they are plain values: ``bool``, ``int``, ``Decimal``, ``str``,
``date``, ``datetime``, ``timedelta``, ``None`` or a tuple of those.  JSON has no
decimal, date or duration, and a decimal written as the text ``"63000.00"``
could not be told from a text fact; so in JSON (``model_dump(mode="json")``,
``model_dump_json()``) every value that JSON cannot hold exactly is written as
a one-key object naming its type::

    {"decimal": "63000.00"}   {"date": "2026-10-31"}
    {"datetime": "2026-11-22T09:00:00+08:00"}   {"duration": "PT2H"}

Booleans, integers, texts and null stay as they are, tuples are arrays.  Reading
such JSON back (``Decision.model_validate_json``) gives back the same Python
values, so ``Decision.model_validate_json(d.model_dump_json()) == d``.

>>> from decimal import Decimal
>>> encode_value(Decimal("63000.00"))
{'decimal': '63000.00'}
>>> decode_value({"decimal": "63000.00"})
Decimal('63000.00')
>>> decode_value("2026-10-31")  # a text stays a text
'2026-10-31'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final, TypeAlias

from pydantic import (
    GetCoreSchemaHandler,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
)
from pydantic_core import CoreSchema, core_schema

__all__ = ["DecisionValue", "Value", "ValueMap", "decode_value", "encode_value", "is_plain_map"]

Scalar: TypeAlias = bool | int | Decimal | str | date | datetime | timedelta | None
DecisionValue: TypeAlias = Scalar | tuple[Scalar, ...]
"""A value a decision records (the Python side of :data:`Value`)."""

_DURATION: Final = TypeAdapter(timedelta)
def _decimal(text: str) -> Decimal:
    """``Decimal(text)``, refusing text that is not a number with a ``ValueError`` (which
    pydantic reports at the value) instead of ``decimal.InvalidOperation``."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"invalid decimal {text!r}: expected a number such as '1.00'") from None


_DECODERS: Final[Mapping[str, Callable[[str], Scalar]]] = {
    "decimal": _decimal,
    "date": date.fromisoformat,
    "datetime": datetime.fromisoformat,
    "duration": _DURATION.validate_python,
}
_PLAIN: Final = (bool, int, Decimal, str, date, timedelta)  # datetime is a date


def decode_value(value: object) -> DecisionValue:
    """A value from Python or from its JSON form (a one-key tagged object, an array)."""
    if value is None or isinstance(value, _PLAIN):
        return value
    if isinstance(value, list | tuple):
        return tuple(_scalar(v) for v in value)
    return _scalar(value)


def _scalar(value: object) -> Scalar:
    if value is None or isinstance(value, _PLAIN):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag in _DECODERS and isinstance(text, str):
            return _DECODERS[tag](text)
    raise ValueError(
        f"expected a decision value (bool, int, Decimal, str, date, datetime, timedelta, "
        f"None, a tuple of them, or a tagged object such as {{'decimal': '1.00'}}), "
        f"got {type(value).__name__}"
    )


def encode_value(value: DecisionValue) -> Any:
    """The JSON form of a value: tagged objects for decimals, dates, datetimes, durations."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, timedelta):
        return {"duration": _DURATION.dump_python(value, mode="json")}
    return [encode_value(v) for v in value]  # a tuple of scalars


_JSON_SCHEMA: Final = {
    "description": "bool, integer, text, null, an array of values, or a tagged object: "
    '{"decimal": "1.00"}, {"date": "2026-10-31"}, {"datetime": "...+08:00"}, '
    '{"duration": "PT2H"}',
}

Value = Annotated[
    DecisionValue,
    PlainValidator(decode_value),
    PlainSerializer(encode_value, when_used="json"),
    WithJsonSchema(_JSON_SCHEMA),
]
"""A :data:`DecisionValue` field type that survives a JSON round trip."""


_EXACT: Final = frozenset({bool, int, Decimal, str, date, datetime, timedelta, type(None)})
"""The classes :func:`decode_value` returns as they are, exactly (a subclass is checked)."""


def is_plain_map(value: object) -> bool:
    """Whether ``value`` is a dict of texts to values of exactly the plain classes: what
    validating a :data:`ValueMap` from Python copies as it is (each value is what
    :func:`decode_value` returns for it)."""
    if type(value) is not dict:
        return False
    for key, item in value.items():
        if type(key) is not str or type(item) not in _EXACT:
            return False
    return True


def _value_map(value: object, handler: ValidatorFunctionWrapHandler) -> Any:
    """``dict[str, Value]`` from Python, with a short way for the dicts the engine builds
    (:func:`is_plain_map`): copied as they are, without a Python call per value.
    Anything else (a tuple, a tagged object, a subclass, a bad value) is validated value
    by value, with each error at its key."""
    if is_plain_map(value):
        return value.copy()  # type: ignore[attr-defined]
    return handler(value)


class _ShortWayFromPython:
    """Marks ``dict[str, Value]`` to take :func:`_value_map`'s short way from Python input.
    JSON keeps the plain per-value schema: parsed JSON reaches a wrap function with its
    duplicate keys already merged, so only the plain schema sees (and refuses) a bad value
    that a later duplicate hides."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        plain = handler(source)
        return core_schema.json_or_python_schema(
            json_schema=plain,
            python_schema=core_schema.no_info_wrap_validator_function(_value_map, plain),
        )


ValueMap = Annotated[dict[str, Value], _ShortWayFromPython()]
"""A mapping of names to :data:`Value` (facts, a rule's reads and outputs, entitlement
params): the same validation, JSON form and schema as ``dict[str, Value]``."""
