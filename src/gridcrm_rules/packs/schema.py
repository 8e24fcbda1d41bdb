"""The pack schema: what a rule-pack file may say, validated by pydantic at load.

One shape for every pack (built-in or user): ``name``, ``version``,
``extends``/``requires``, ``params``, ``decisions``.  A decision is a table
of rules with a hit policy; a rule has an ``id``, a ``when`` condition,
``outputs`` (a string beginning with ``=`` is a formula) and a ``source``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .._time import to_aware

__all__ = [
    "DecisionPatch",
    "DecisionSpec",
    "HitPolicy",
    "OutputSpec",
    "PackSpec",
    "ParamSpec",
    "RuleSpec",
    "SourceSpec",
    "ValueType",
]

HitPolicy = Literal["first", "unique", "priority", "collect"]
DecisionPart = Literal["credit", "key_account", "key_account_checks"]
"""The part of a :class:`~gridcrm_rules.Decision` a value decision fills (``fills``):
``credit`` -> ``Decision.credit`` (output ``grade``, grade overrides applied),
``key_account`` -> ``Decision.key_account``, ``key_account_checks`` -> the profile's
``checks``.  The engine and the batch backend look decisions up by this, never by name."""
ValueType = Literal["bool", "number", "str", "date", "datetime"]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
RuleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]

_STRICT = ConfigDict(frozen=True, extra="forbid")


class SourceSpec(BaseModel):
    """The regulation a rule implements: clause id, document file, quoted text."""

    model_config = _STRICT

    clause: str | None = None
    document: str | None = None
    text: str | None = None


class ParamSpec(BaseModel):
    """A pack parameter: a value a user can change without code."""

    model_config = _STRICT

    type: ValueType
    default: Any
    choices: tuple[Any, ...] | None = None
    doc: str = ""
    source: str | None = None

    @model_validator(mode="after")
    def _default_typed_and_in_choices(self) -> ParamSpec:
        object.__setattr__(self, "default", self.coerce(self.default))
        return self

    def coerce(self, value: Any) -> Any:
        """``value`` as this parameter's type; ``ValueError`` saying what was expected.

        Numbers become ``int`` or ``Decimal`` (a float goes through its text, so
        0.3 is Decimal('0.3')); dates and datetimes are parsed from ISO text.
        """
        converted = _coerce(self.type, value)
        if self.choices is not None and converted not in self.choices:
            raise ValueError(f"expected one of {list(self.choices)}, got {value!r}")
        return converted


def _coerce(kind: str, value: Any) -> Any:
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "number":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float | str | Decimal) and not isinstance(value, bool):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                pass
            else:
                if number.is_finite():
                    return number
    elif kind == "str":
        if isinstance(value, str):
            return value
    elif kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
    elif kind == "datetime":
        try:
            return to_aware(value)
        except (TypeError, ValueError):
            pass
    raise ValueError(f"expected {kind}, got {value!r}")


class OutputSpec(BaseModel):
    """The declared type of one output column of a decision."""

    model_config = _STRICT

    type: ValueType
    choices: tuple[str, ...] | None = None
    nullable: bool = False
    doc: str = ""


class RuleSpec(BaseModel):
    """One row of a decision table."""

    model_config = _STRICT

    id: RuleId
    when: str = "True"
    outputs: dict[str, Any] = Field(default_factory=dict)
    source: SourceSpec | None = None
    priority: int = 0
    effective_from: date | None = None
    effective_to: date | None = None
    description: str = ""
    before: RuleId | None = None
    after: RuleId | None = None

    @field_validator("when", mode="before")
    @classmethod
    def _bool_literal(cls, v: Any) -> Any:
        return str(v) if isinstance(v, bool) else v

    @model_validator(mode="after")
    def _dates_ordered(self) -> RuleSpec:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        if self.before and self.after:
            raise ValueError("give 'before' or 'after', not both")
        return self


class DecisionSpec(BaseModel):
    """A decision table: rules, a hit policy, what it is evaluated over, what it emits.

    ``assumptions`` are conditions known to hold between facts (e.g. over two
    months implies over one month); the verifier uses them to skip impossible
    combinations when it looks for gaps and overlaps.
    """

    model_config = _STRICT

    description: str = ""
    hit_policy: HitPolicy = "first"
    over: Literal["customer", "events"] = "customer"
    event_types: tuple[str, ...] = ()
    emits: Literal["value", "entitlement", "task"] = "value"
    fills: DecisionPart | None = None
    outputs: dict[Identifier, OutputSpec] = Field(default_factory=dict)
    default: dict[str, Any] | None = None
    assumptions: tuple[str, ...] = ()
    rules: tuple[RuleSpec, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> DecisionSpec:
        if self.over == "events" and not self.event_types:
            raise ValueError("a decision 'over: events' needs 'event_types'")
        if self.over == "customer" and self.event_types:
            raise ValueError("'event_types' only applies to 'over: events'")
        if self.fills is not None and (self.emits != "value" or self.over != "customer"):
            raise ValueError("'fills' applies only to a value decision over the customer")
        if self.fills == "credit" and "grade" not in self.outputs:
            raise ValueError("a decision that fills 'credit' needs the output 'grade'")
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rule ids: {', '.join(dupes)}")
        return self


class DecisionPatch(BaseModel):
    """How a pack that ``extends`` another changes one of its decisions."""

    model_config = _STRICT

    description: str | None = None
    hit_policy: HitPolicy | None = None
    outputs: dict[Identifier, OutputSpec] = Field(default_factory=dict)
    default: dict[str, Any] | None = None
    assumptions: tuple[str, ...] | None = None
    rules: tuple[RuleSpec, ...] = ()
    remove_rules: tuple[RuleId, ...] = ()


class PackSpec(BaseModel):
    """A whole pack file, before its ``extends`` chain is resolved.

    ``params`` maps a name to a full declaration (a mapping with ``type``) or,
    in a pack that extends another, to a new default value.  ``decisions``
    maps a name to a full decision or, for a decision of the base, a patch.
    """

    model_config = _STRICT

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_\-]*$")]
    version: str = "0.0.0"
    description: str = ""
    extends: str | None = None
    requires: tuple[str, ...] = ()
    params: dict[Identifier, Any] = Field(default_factory=dict)
    decisions: dict[Identifier, dict[str, Any]] = Field(default_factory=dict)
    sources: dict[str, str] = Field(default_factory=dict)
