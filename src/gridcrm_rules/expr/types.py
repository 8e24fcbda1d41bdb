"""The condition language's types: a kind, nullability and, for enums, the choices."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

__all__ = ["Kind", "Type"]


class Kind(Enum):
    """What a value is; numbers are ints or Decimals, never floats."""

    BOOL = "bool"
    NUMBER = "number"
    STR = "str"
    DATE = "date"
    DATETIME = "datetime"
    NONE = "none"
    ANY = "any"  # the type of an expression already reported as wrong


@dataclass(frozen=True, slots=True)
class Type:
    """A value type. ``choices`` lists the allowed strings of an enum field."""

    kind: Kind
    nullable: bool = False
    choices: frozenset[str] | None = None

    def __str__(self) -> str:
        base = self.kind.value
        if self.choices:
            base = "one of " + "|".join(sorted(self.choices))
        return f"{base} or None" if self.nullable and self.kind is not Kind.NONE else base

    def or_none(self) -> Type:
        """The same type, allowing None."""
        return replace(self, nullable=True)

    @staticmethod
    def enum(*choices: str, nullable: bool = False) -> Type:
        """A string restricted to ``choices`` (literals compared with it are checked)."""
        return Type(Kind.STR, nullable, frozenset(choices))


BOOL = Type(Kind.BOOL)
NUMBER = Type(Kind.NUMBER)
STR = Type(Kind.STR)
DATE = Type(Kind.DATE)
DATETIME = Type(Kind.DATETIME)
NONE = Type(Kind.NONE, nullable=True)
