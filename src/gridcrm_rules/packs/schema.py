"""The pack schema: what a rule-pack file may say, validated by pydantic at load.

One shape for every pack (built-in or user): ``name``, ``version``,
``extends``/``requires``, ``params``, ``decisions``.  A decision is a table
of rules with a hit policy; a rule has an ``id``, a ``when`` condition,
``outputs`` (a string beginning with ``=`` is a formula) and a ``source``.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .._time import to_aware
from ..expr.numbers import literal_problem

__all__ = [
    "DecisionPatch",
    "DecisionSpec",
    "DeclaredRegion",
    "HitPolicy",
    "OutputSpec",
    "PackSpec",
    "ParamSpec",
    "RuleSpec",
    "SourceSpec",
    "ValueType",
]

HitPolicy = Literal["first", "unique", "priority", "collect"]
DecisionPart = Literal["credit", "key_account", "key_account_checks", "key_account_list"]
"""The part of a :class:`~gridcrm_rules.Decision` a value decision fills (``fills``):
``credit`` -> ``Decision.credit`` (output ``grade``, grade overrides applied),
``key_account`` -> ``Decision.key_account``, ``key_account_checks`` -> the profile's
``checks``, ``key_account_list`` -> the list membership (output ``member``) an
override's scope reads (RULES.md §2).  The engine and the batch backend look decisions
up by this, never by name."""
ValueType = Literal["bool", "number", "str", "date", "datetime"]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
RuleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]

_STRICT = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class SourceSpec(BaseModel):
    """The regulation a rule implements: clause id, document file, quoted text."""

    model_config = _STRICT

    clause: str | None = None
    """Clause id of RULES.md (e.g. ``CR-D``) this rule implements."""
    document: str | None = None
    """Source regulation file (``000_00d757a177b389d7.txt``) or a local policy name."""
    text: str | None = None
    """The clause quoted from the regulation; explanations show it."""


class ParamSpec(BaseModel):
    """A pack parameter: a value a user can change without code."""

    model_config = _STRICT

    type: ValueType
    """Value type: bool, number, str, date or datetime."""
    default: Any
    """The value used unless an engine or an extending pack sets another."""
    choices: tuple[Any, ...] | None = None
    """The only values allowed, if the parameter is an enumeration."""
    minimum: Decimal | None = None
    """A number parameter's smallest allowed value (inclusive), e.g. 1 for a count of
    working days: a value below it is refused when the engine is built."""
    maximum: Decimal | None = None
    """A number parameter's largest allowed value (inclusive), e.g. 12 for a month."""
    below: Decimal | None = None
    """A number parameter's bound it must stay under (exclusive), e.g. 24 for an hour of
    the day that may be fractional (21.5 is 21:30)."""
    whole: bool = False
    """A number parameter must be a whole number (a count of days, a month, an hour)."""
    doc: str = ""
    """What the parameter means, for ``gridcrm-rules packs`` and the docs."""
    source: str | None = None
    """Where the parameter comes from (clause or regulation)."""

    @model_validator(mode="after")
    def _default_typed_and_in_choices(self) -> ParamSpec:
        if self.type != "number" and (self.minimum is not None or self.maximum is not None
                                      or self.below is not None or self.whole):
            raise ValueError(f"minimum, maximum, below and whole apply to number parameters, "
                             f"not to {self.type}")
        if (self.minimum is not None and self.maximum is not None
                and self.minimum > self.maximum):
            raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        object.__setattr__(self, "default", self.coerce(self.default))
        return self

    def coerce(self, value: Any) -> Any:
        """``value`` as this parameter's type; ``ValueError`` saying what was expected.

        Numbers become ``int`` or ``Decimal`` (a float goes through its text, so
        0.3 is Decimal('0.3')); dates and datetimes are parsed from ISO text.  A number
        outside ``minimum``..``maximum`` (or not under ``below``) or, with ``whole``, with a
        fraction is refused.
        """
        converted = _coerce(self.type, value)
        if self.choices is not None and converted not in self.choices:
            raise ValueError(f"expected one of {list(self.choices)}, got {value!r}")
        if self.type == "number":
            if self.whole and Decimal(converted) != Decimal(converted).to_integral_value():
                raise ValueError(f"expected a whole number, got {value!r}")
            if self.minimum is not None and converted < self.minimum:
                raise ValueError(f"expected at least {self.minimum}, got {value!r}")
            if self.maximum is not None and converted > self.maximum:
                raise ValueError(f"expected at most {self.maximum}, got {value!r}")
            if self.below is not None and converted >= self.below:
                raise ValueError(f"expected below {self.below}, got {value!r}")
        return converted


def _coerce(kind: str, value: Any) -> Any:
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "number":
        number: int | Decimal | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float | str | Decimal) and not isinstance(value, bool):
            with contextlib.suppress(InvalidOperation):
                number = Decimal(str(value).strip())
        if number is not None:
            problem = literal_problem(number)
            if problem is None:
                return number
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:40] + "..."
            raise ValueError(f"expected number, got {shown}: {problem} (docs/conditions.md)")
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


class DeclaredRegion(BaseModel):
    """A region of inputs where a decision intends no rule to fire, and why.

    ``when`` is a condition in the decision's own names; the verifier accepts a
    gap inside it and shows the reason in its report.
    """

    model_config = _STRICT

    when: str
    """The inputs, as a condition (e.g. ``credit.grade == None``)."""
    reason: str
    """Why no rule fires there: left to the default, or decided elsewhere."""
    source: str | None = None
    """Clause or document that says so."""


class OutputSpec(BaseModel):
    """The declared type of one output column of a decision."""

    model_config = _STRICT

    type: ValueType
    """Value type: bool, number, str, date or datetime."""
    choices: tuple[str, ...] | None = None
    """For a str output: the only values a rule may give."""
    nullable: bool = False
    """Whether the output may be null (e.g. no grade)."""
    doc: str = ""
    """What the output means."""


class RuleSpec(BaseModel):
    """One row of a decision table."""

    model_config = _STRICT

    id: RuleId
    """Rule id, unique in its decision; an extending pack replaces a rule by giving its id."""
    when: Annotated[str, WithJsonSchema({"type": ["string", "boolean"]})] = "True"
    """Condition (a Python-like expression over facts, fields and params); default True."""
    outputs: dict[str, Any] = Field(default_factory=dict)
    """Output name -> literal value, or a formula string beginning with ``=``."""
    source: SourceSpec | None = None
    """The regulation clause the rule implements."""
    priority: int = 0
    """For hit policy ``priority``: the highest holding rule wins."""
    effective_from: date | None = None
    """First day the rule is in force (inclusive)."""
    effective_to: date | None = None
    """Last day the rule is in force (inclusive)."""
    description: str = ""
    """What the rule says, in words."""
    before: RuleId | None = None
    """In an extending pack: insert this rule before the rule with this id."""
    after: RuleId | None = None
    """In an extending pack: insert this rule after the rule with this id."""

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
    """What the decision decides."""
    hit_policy: HitPolicy = "first"
    """first, unique, priority or collect (see docs/packs.md)."""
    over: Literal["customer", "events"] = "customer"
    """Evaluated once per customer, or once per event of ``event_types``."""
    event_types: tuple[str, ...] = ()
    """For ``over: events``: the event types that trigger the decision."""
    emits: Literal["value", "entitlement", "task"] = "value"
    """What a fired rule produces: output values, an Entitlement or a Task."""
    fills: DecisionPart | None = None
    """Which part of the Decision the outputs fill (``credit``, ``key_account``,
    ``key_account_checks``); unset: a plain outcome in ``Decision.outcomes``."""
    outputs: dict[Identifier, OutputSpec] = Field(default_factory=dict)
    """Output name -> its declared type."""
    default: dict[str, Any] | None = None
    """Output values when no rule fires."""
    assumptions: tuple[str, ...] = ()
    """Conditions known to hold between facts; the verifier skips inputs that break them."""
    declared_regions: tuple[DeclaredRegion, ...] = ()
    """Inputs where no rule firing is intended (left to ``default`` or another decision)."""
    rules: tuple[RuleSpec, ...] = ()
    """The rows of the table, in order."""

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
    """A new description."""
    hit_policy: HitPolicy | None = None
    """A new hit policy."""
    outputs: dict[Identifier, OutputSpec] = Field(default_factory=dict)
    """Outputs added or redeclared."""
    default: dict[str, Any] | None = None
    """New output values when no rule fires."""
    assumptions: tuple[str, ...] | None = None
    """New assumptions (replacing the base's)."""
    declared_regions: tuple[DeclaredRegion, ...] | None = None
    """New declared regions (replacing the base's)."""
    rules: tuple[RuleSpec, ...] = ()
    """Rules to replace (same id), insert (``before``/``after``) or append."""
    remove_rules: tuple[RuleId, ...] = ()
    """Ids of base rules to delete."""


class PackSpec(BaseModel):
    """A whole pack file, before its ``extends`` chain is resolved.

    ``params`` maps a name to a full declaration (a mapping with ``type``) or,
    in a pack that extends another, to a new default value.  ``decisions``
    maps a name to a full decision or, for a decision of the base, a patch.
    """

    model_config = _STRICT

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_\-]*$")]
    """Lower-case pack name, the registry key."""
    version: str = "0.0.0"
    """The pack's own version."""
    description: str = ""
    """What the pack is for."""
    extends: str | None = None
    """Name of the pack this one builds on (its params and decisions are the start)."""
    requires: tuple[str, ...] = ()
    """Packs whose decisions this pack reads; loaded automatically."""
    params: dict[Identifier, Any] = Field(default_factory=dict)
    """Parameter name -> a declaration (with ``type``) or, for a base pack's parameter, a
    new value."""
    decisions: dict[Identifier, dict[str, Any]] = Field(default_factory=dict)
    """Decision name -> a full decision or, for a decision of the base pack, a patch."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Short names for the regulation documents the rules cite."""
