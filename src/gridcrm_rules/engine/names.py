"""Which names a rule may read, with their types: the checker's schema.

Canonical keys: facts are bare (``arrears_amount``), customer fields are
``customer.<field>``, parameters ``params.<name>``, other decisions'
outputs ``<decision>.<output>``, the triggering event ``event.<field>``, and
``as_of``/``cutoff``.  Customer fields and parameters may also be written
bare when that spelling is unambiguous.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from ..expr import Binding
from ..expr.types import BOOL, DATE, DATETIME, NUMBER, STR, Kind, Type
from ..models import Customer
from ..models.events import EVENT_MODELS
from ..packs.schema import OutputSpec, ParamSpec

__all__ = [
    "EVENT_MODELS",
    "annotation_type",
    "customer_bindings",
    "event_bindings",
    "output_type",
    "param_type",
]

_VALUE_TYPES: dict[str, Type] = {
    "bool": BOOL,
    "number": NUMBER,
    "str": STR,
    "date": DATE,
    "datetime": DATETIME,
}


def annotation_type(annotation: Any) -> Type:
    """The condition-language type of a pydantic field annotation."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return annotation_type(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        base = annotation_type(inner[0]) if len(inner) == 1 else Type(Kind.ANY)
        return base.or_none() if len(inner) < len(get_args(annotation)) else base
    if origin is Literal:
        return Type.enum(*(str(a) for a in get_args(annotation)))
    if annotation is bool:
        return BOOL
    if annotation in (int, Decimal, float):
        return NUMBER
    if annotation is str:
        return STR
    if isinstance(annotation, type) and issubclass(annotation, datetime):
        return DATETIME
    if annotation is date:
        return DATE
    if getattr(annotation, "__name__", "") in ("AwareDatetime", "NaiveDatetime"):
        return DATETIME
    return Type(Kind.ANY)


def _model_bindings(model: type[BaseModel], prefix: str) -> dict[str, Binding]:
    out: dict[str, Binding] = {}
    for name, info in model.model_fields.items():
        t = annotation_type(info.annotation)
        out[f"{prefix}.{name}"] = Binding(f"{prefix}.{name}", t, info.description or "")
    return out


def customer_bindings() -> dict[str, Binding]:
    """``customer.<field>`` for every field of :class:`Customer`."""
    return _model_bindings(Customer, "customer")


def event_bindings(event_types: Iterable[str]) -> dict[str, Binding]:
    """``event.<field>`` for the fields of the listed event types.

    A field that only some of the types have is nullable.
    """
    chosen = list(event_types)
    per_type = [_model_bindings(EVENT_MODELS[t], "event") for t in chosen]
    out: dict[str, Binding] = {}
    for fields in per_type:
        for key, binding in fields.items():
            everywhere = all(key in other for other in per_type)
            t = binding.type if everywhere else binding.type.or_none()
            if key == "event.type":
                t = Type.enum(*chosen)
            out[key] = Binding(key, t)
    return out


def param_type(spec: ParamSpec) -> Type:
    """Type of a pack parameter."""
    t = _VALUE_TYPES[spec.type]
    if spec.choices and spec.type == "str":
        return Type.enum(*(str(c) for c in spec.choices))
    return t


def output_type(spec: OutputSpec) -> Type:
    """Type of a decision output."""
    t = _VALUE_TYPES[spec.type]
    if spec.choices:
        t = Type.enum(*spec.choices)
    return t.or_none() if spec.nullable else t
