"""The history's native fast path: the event union validated by pydantic-core alone.

:func:`~gridcrm_rules.models.parse_events` validates a list of event records with the
``Event`` union's own schema minus its two Python steps -- the missing-value
convention (:mod:`._missing`, a model ``before`` validator) and the date-only
reading of an ``Instant`` (:mod:`._types`) -- so a history whose every value is given
in its canonical form costs no Python call per event.  Both steps are the identity
on such input, and on any other input the native schema refuses the record (a
``None`` where a value is required, a ``NaN``, a key of another event type, a
date where an aware instant is due); then the full schema validates the list again,
so values and error records are exactly those of the full schema.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic_core import CoreSchema, SchemaValidator

__all__ = ["without_steps"]


def _underlying(function: object) -> object:
    """A plain function for a bound (class)method, the function itself otherwise."""
    return getattr(function, "__func__", function)


def _strip(node: Any, steps: Collection[object]) -> Any:
    """``node`` with every ``function-before`` step calling one of ``steps`` removed."""
    if isinstance(node, dict):
        if (
            node.get("type") == "function-before"
            and _underlying(node["function"]["function"]) in steps
        ):
            return _strip(node["schema"], steps)
        return {key: _strip(value, steps) for key, value in node.items()}
    if isinstance(node, list):
        return [_strip(item, steps) for item in node]
    return node


def without_steps(
    schema: CoreSchema, steps: Collection[object]
) -> SchemaValidator:
    """A validator of ``schema`` without the ``before`` steps that call one of ``steps``.

    pydantic-core otherwise replaces a model's schema inside the union by the model's
    own, already built validator (steps included), so the stripped schema is built with
    ``_use_prebuilt=False``; a release without that argument builds it as given -- still
    correct (at worst the steps run), only not faster.
    """
    wanted = {_underlying(step) for step in steps}
    stripped = _strip(schema, wanted)
    try:
        return SchemaValidator(stripped, None, _use_prebuilt=False)
    except TypeError:  # pragma: no cover - a pydantic-core without prebuilt validators
        return SchemaValidator(stripped)
