"""Field specs read off a pydantic model, so the vectorised checks follow the model.

For each field: its kind, whether None is allowed, its default, its choices and
its numeric/length bounds.  A field whose annotation is not understood here is
``other``: rows that give it a value are validated by the model itself.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from ..models._types import day_not_a_number

__all__ = ["FieldSpec", "Kind", "field_specs"]

Kind = Literal["str", "choice", "bool", "decimal", "int", "date", "other"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What the model accepts for one field, as far as the fast checks need to know."""

    name: str
    kind: Kind
    nullable: bool
    required: bool
    default: Any
    choices: tuple[str, ...] = ()
    min_len: int = 0
    ge: Decimal | None = None
    gt: Decimal | None = None
    le: Decimal | None = None
    lt: Decimal | None = None


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(base type, nullable, constraint metadata) of a field annotation."""
    nullable = False
    meta: list[Any] = []
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        arms = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(arms) < len(get_args(annotation))
        if len(arms) != 1:
            return object, nullable, meta
        annotation = arms[0]
        origin = get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = get_args(annotation)
        for item in extra:
            meta.extend(getattr(item, "metadata", [item]))
        annotation = base
    return annotation, nullable, meta


def _only_forbids_inf_nan(meta: Any) -> bool:
    """True for pydantic's ``allow_inf_nan=False`` marker, whatever class carries it.

    pydantic < 2.14 stores it as ``_PydanticGeneralMetadata``, 2.14+ as
    ``AllowInfNan``; matching the content keeps both on the columnar path.
    """
    fields = vars(meta) if hasattr(meta, "__dict__") else {}
    return fields == {"allow_inf_nan": False}


def _refuses_numbers(meta: Any) -> bool:
    """The ``Day`` type's step (models/_types.py): it only refuses numbers, which the
    columnar date check (ISO text or a date column) refuses as well."""
    return getattr(meta, "func", None) is day_not_a_number


def _spec(name: str, info: Any) -> FieldSpec:
    base, nullable, meta = _unwrap(info.annotation)
    meta = [*info.metadata, *meta]
    bounds: dict[str, Decimal] = {}
    min_len = 0
    plain = True
    for m in meta:
        if isinstance(m, at.Ge | at.Gt | at.Le | at.Lt):
            key = type(m).__name__.lower()
            bounds[key] = Decimal(str(getattr(m, key)))
        elif isinstance(m, at.MinLen):
            min_len = m.min_length
        elif _only_forbids_inf_nan(m) or _refuses_numbers(m):
            continue
        else:
            plain = False
    kind: Kind = "other"
    choices: tuple[str, ...] = ()
    if plain:
        if get_origin(base) is Literal:
            kind, choices = "choice", tuple(str(a) for a in get_args(base))
        elif base is str:
            kind = "str"
        elif base is bool and not bounds:
            kind = "bool"
        elif base is Decimal:
            kind = "decimal"
        elif base is int:
            kind = "int"
        elif base is date and not bounds:
            kind = "date"
    required = info.default is PydanticUndefined and info.default_factory is None
    return FieldSpec(
        name=name,
        kind=kind,
        nullable=nullable,
        required=required,
        default=None if required else info.get_default(call_default_factory=True),
        choices=choices,
        min_len=min_len,
        ge=bounds.get("ge"),
        gt=bounds.get("gt"),
        le=bounds.get("le"),
        lt=bounds.get("lt"),
    )


def field_specs(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """Every field of ``model`` with its spec."""
    return {name: _spec(name, info) for name, info in model.model_fields.items()}
