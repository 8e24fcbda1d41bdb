"""The history's native fast path: the event union validated by pydantic-core alone.

:func:`~gridcrm_rules.models.parse_events` validates a list of event records with the
``Event`` union's own schema minus its two Python steps -- the missing-value
convention (:mod:`._missing`, a model ``before`` validator) and the date-only
reading of an ``Instant`` (:mod:`._types`) -- and with money's count of decimal places
skipped on text that plainly has no more, so a history whose every value is given
in its canonical form costs no Python call per event.  Both steps are the identity
on such input, and on any other input the native schema refuses the record (a
``None`` where a value is required, a ``NaN``, a key of another event type, a
date where an aware instant is due); then the full schema validates the list again,
so values and error records are exactly those of the full schema.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic_core import CoreSchema, SchemaValidator, core_schema

__all__ = ["without_steps"]


def _underlying(function: object) -> object:
    """A plain function for a bound (class)method, the function itself otherwise."""
    return getattr(function, "__func__", function)


Guard = tuple[type, str]
"""What a step's input must be for the step to be the identity on it: an instance of the
class, or text matching the pattern."""


def _guarded(inner: Any, guard: Guard) -> Any:
    """``inner`` behind a native check that the input is an instance or matching text."""
    cls, pattern = guard
    check = core_schema.union_schema([core_schema.is_instance_schema(cls),
                                      # as given: a model's str_strip_whitespace would
                                      # otherwise pass stripped text on, which the full
                                      # schema (the step, then the parser) refuses;
                                      # strict: bytes or an Enum of text are not text
                                      core_schema.str_schema(pattern=pattern, strict=True,
                                                             strip_whitespace=False)])
    return core_schema.chain_schema([check, inner])


def _places_first_by_pattern(node: dict[str, Any]) -> Any:
    """A decimal schema with ``decimal_places`` (money), trying text that plainly has at
    most that many places first, without the check; anything else meets the schema as given.

    pydantic-core counts a decimal's places by calling back into Python (about a
    microsecond, a third of a bill's validation); text of digits with at most ``places``
    after the point cannot have more, so the count is the identity on it.  The value is
    the same either way: the same decimal schema parses the same text.
    """
    places = node["decimal_places"]
    plain = {key: value for key, value in node.items() if key != "decimal_places"}
    text = core_schema.str_schema(pattern=rf"^[0-9]+(\.[0-9]{{1,{places}}})?$",
                                  strict=True,  # text as given: not bytes, not an Enum
                                  strip_whitespace=False)
    return core_schema.union_schema(
        [core_schema.chain_schema([text, plain]), node],
        mode="left_to_right")


def _strip(node: Any, steps: Collection[object], guards: Mapping[object, Guard]) -> Any:
    """``node`` with every ``function-before`` step calling one of ``steps`` removed (or,
    with a guard, replaced by its native check), and every decimal with
    ``decimal_places`` checked natively where its text shows it has no more
    (:func:`_places_first_by_pattern`)."""
    if isinstance(node, dict):
        if node.get("type") == "decimal" and "decimal_places" in node:
            return _places_first_by_pattern(node)
        if (
            node.get("type") == "function-before"
            and (step := _underlying(node["function"]["function"])) in steps
        ):
            inner = _strip(node["schema"], steps, guards)
            return _guarded(inner, guards[step]) if step in guards else inner
        return {key: _strip(value, steps, guards) for key, value in node.items()}
    if isinstance(node, list):
        return [_strip(item, steps, guards) for item in node]
    return node


def without_steps(
    schema: CoreSchema, steps: Collection[object], *,
    guards: Mapping[object, Guard] | None = None,
) -> SchemaValidator:
    """A validator of ``schema`` without the ``before`` steps that call one of ``steps``.

    A step in ``guards`` is replaced by a native check of the inputs it is the identity
    on (an instance of a class or text matching a pattern, :data:`Guard`); any other
    input fails the native validator, so the full schema runs the step.

    pydantic-core otherwise replaces a model's schema inside the union by the model's
    own, already built validator (steps included), so the stripped schema is built with
    ``_use_prebuilt=False``; a release without that argument builds it as given -- still
    correct (at worst the steps run), only not faster.
    """
    wanted = {_underlying(step) for step in steps}
    checks = {_underlying(step): guard for step, guard in (guards or {}).items()}
    stripped = _strip(schema, wanted, checks)
    try:
        return SchemaValidator(stripped, None, _use_prebuilt=False)
    except TypeError:  # pragma: no cover - a pydantic-core without prebuilt validators
        return SchemaValidator(stripped)
