"""The typed intermediate form of a condition: small, frozen, backend-neutral.

Nothing here refers to Python evaluation: the Python code generator, the columnar
compiler and the gap/overlap verifier all read the same nodes.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Literal

__all__ = [
    "BinOp",
    "BoolOp",
    "Call",
    "Compare",
    "Const",
    "IfExp",
    "In",
    "IsNone",
    "Name",
    "Neg",
    "Node",
    "Not",
    "Pos",
    "shape",
    "walk",
]

ConstValue = bool | int | Decimal | str | None
CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]
ArithOp = Literal["+", "-", "*", "/"]


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a node starts in its source string (0-based column)."""

    col: int
    end_col: int


@dataclass(frozen=True, slots=True)
class Const:
    value: ConstValue
    pos: Pos


@dataclass(frozen=True, slots=True)
class Name:
    """A reference, as written (``params.x``, ``credit.grade``, ``category``)."""

    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: Pos


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Node, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Compare:
    """A possibly chained comparison: ``a < b <= c``."""

    left: Node
    ops: tuple[CompareOp, ...]
    comparators: tuple[Node, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class In:
    """Membership in a literal tuple: ``x in ("A", "B")``."""

    operand: Node
    items: tuple[Const, ...]
    negated: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class IsNone:
    operand: Node
    negated: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class BinOp:
    op: ArithOp
    left: Node
    right: Node
    pos: Pos


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    pos: Pos


@dataclass(frozen=True, slots=True)
class IfExp:
    test: Node
    body: Node
    orelse: Node
    pos: Pos


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]
    pos: Pos


Node = Const | Name | Not | BoolOp | Compare | In | IsNone | BinOp | Neg | IfExp | Call


def shape(node: Node) -> Hashable:
    """The node without its source positions: two nodes of one shape are the same
    expression written twice (and, over the same environment, have the same value)."""
    if isinstance(node, Const):
        return ("Const", type(node.value), repr(node.value))  # Decimal("1.0") is not "1"
    parts: list[Hashable] = [type(node).__name__]
    for f in fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            parts.append(tuple(shape(v) if not isinstance(v, str) else v for v in value))
        elif isinstance(value, str | bool):
            parts.append(value)
        else:
            parts.append(shape(value))
    return tuple(parts)


def walk(node: Node) -> list[Node]:
    """Every node of a tree, parents before children."""
    out: list[Node] = [node]
    match node:
        case Not(operand=o) | Neg(operand=o) | IsNone(operand=o) | In(operand=o):
            out += walk(o)
        case BoolOp(operands=ops):
            for o in ops:
                out += walk(o)
        case Compare(left=left, comparators=comps):
            out += walk(left)
            for c in comps:
                out += walk(c)
        case BinOp(left=left, right=right):
            out += walk(left) + walk(right)
        case IfExp(test=t, body=b, orelse=e):
            out += walk(t) + walk(b) + walk(e)
        case Call(args=args):
            for a in args:
                out += walk(a)
    return out
