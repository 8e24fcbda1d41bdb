"""Phase 2: type-check IR against the names a rule may read.

Every problem is collected (not just the first) as an :class:`ErrorRecord`
with the column of the offending node, "expected X, got Y" wording, and
"did you mean" suggestions for unknown names and enum literals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .._text import suggest
from ..errors import ErrorRecord
from . import ir
from .functions import FunctionSpec
from .types import BOOL, NONE, NUMBER, STR, Kind, Type

__all__ = ["Binding", "Checker", "Schema", "check_bool", "suggest"]

_ORDERED = {Kind.NUMBER, Kind.DATE, Kind.DATETIME}
_ERROR = Type(Kind.ANY, nullable=True)


@dataclass(frozen=True, slots=True)
class Binding:
    """What a name written in a rule refers to: a canonical key and its type."""

    key: str
    type: Type
    doc: str = ""


Schema = Mapping[str, Binding]


def _const_type(value: ir.ConstValue) -> Type:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | Decimal):
        return NUMBER
    return STR


class Checker:
    """Checks expressions for one rule; ``loc`` prefixes every error."""

    def __init__(
        self,
        schema: Schema,
        functions: Mapping[str, FunctionSpec],
        source: str,
        loc: tuple[str | int, ...],
    ) -> None:
        self.schema = schema
        self.functions = functions
        self.source = source
        self.loc = loc
        self.errors: list[ErrorRecord] = []

    def error(self, kind: str, msg: str, node: ir.Node) -> Type:
        self.errors.append(
            ErrorRecord(
                kind, (*self.loc, node.pos.col), msg, self.source, self.source, node.pos.col
            )
        )
        return _ERROR

    def expect(self, node: ir.Node, kinds: set[Kind], what: str) -> Type:
        t = self.check(node)
        if t.kind not in (Kind.NONE, Kind.ANY) and t.kind not in kinds:
            wanted = " or ".join(sorted(k.value for k in kinds))
            self.error("type_mismatch", f"{what}: expected {wanted}, got {t}", node)
        return t

    def check(self, node: ir.Node) -> Type:
        match node:
            case ir.Const(value=v):
                return _const_type(v)
            case ir.Name(name=name):
                binding = self.schema.get(name)
                if binding is None:
                    hint = suggest(name, list(self.schema))
                    return self.error("unknown_name", f"unknown name {name!r}{hint}", node)
                return binding.type
            case ir.Not(operand=o):
                self.expect(o, {Kind.BOOL}, "'not' operand")
                return BOOL
            case ir.BoolOp(op=op, operands=ops):
                for o in ops:
                    self.expect(o, {Kind.BOOL}, f"'{op}' operand")
                return BOOL
            case ir.IsNone(operand=o):
                self.check(o)
                return BOOL
            case ir.In():
                self.membership(node)
                return BOOL
            case ir.Compare():
                self.compare(node)
                return BOOL
            case ir.Neg(operand=o):
                return self.expect(o, {Kind.NUMBER}, "unary '-'")
            case ir.BinOp(op=op, left=left, right=right):
                lt = self.expect(left, {Kind.NUMBER}, f"left of '{op}'")
                rt = self.expect(right, {Kind.NUMBER}, f"right of '{op}'")
                return NUMBER.or_none() if (lt.nullable or rt.nullable) else NUMBER
            case ir.IfExp(test=t, body=b, orelse=e):
                self.expect(t, {Kind.BOOL}, "condition of 'if'")
                bt, et = self.check(b), self.check(e)
                if Kind.ANY in (bt.kind, et.kind):
                    return _ERROR
                if Kind.NONE in (bt.kind, et.kind):
                    base = et if bt.kind is Kind.NONE else bt
                    return base.or_none()
                if bt.kind is not et.kind:
                    return self.error(
                        "type_mismatch",
                        f"both branches must have one type: got {bt} and {et}",
                        node,
                    )
                return Type(bt.kind, bt.nullable or et.nullable, bt.choices)
            case ir.Call():
                return self.call(node)
        raise AssertionError(f"unhandled node {node!r}")  # pragma: no cover

    def enum_literal(self, t: Type, const: ir.Node) -> None:
        if (
            t.choices
            and isinstance(const, ir.Const)
            and isinstance(const.value, str)
            and const.value not in t.choices
        ):
            hint = suggest(const.value, sorted(t.choices))
            allowed = ", ".join(repr(c) for c in sorted(t.choices))
            self.error("unknown_choice", f"{const.value!r} is not one of {allowed}{hint}", const)

    def compare(self, node: ir.Compare) -> None:
        operands = [node.left, *node.comparators]
        types = [self.check(o) for o in operands]
        for i, op in enumerate(node.ops):
            left_t, right_t = types[i], types[i + 1]
            if Kind.ANY in (left_t.kind, right_t.kind):
                continue
            if Kind.NONE in (left_t.kind, right_t.kind):
                if op not in ("==", "!="):
                    self.error("type_mismatch", f"'{op}' cannot compare with None", operands[i + 1])
                continue
            if left_t.kind is not right_t.kind:
                self.error(
                    "type_mismatch",
                    f"cannot compare {left_t} with {right_t} using '{op}'",
                    operands[i + 1],
                )
                continue
            if op not in ("==", "!=") and left_t.kind not in _ORDERED:
                self.error(
                    "type_mismatch",
                    f"'{op}' needs numbers, dates or datetimes, got {left_t}",
                    operands[i],
                )
            self.enum_literal(left_t, operands[i + 1])
            self.enum_literal(right_t, operands[i])

    def membership(self, node: ir.In) -> None:
        t = self.check(node.operand)
        if t.kind is Kind.ANY:
            return
        for item in node.items:
            it = _const_type(item.value)
            if it.kind is not Kind.NONE and t.kind is not Kind.NONE and it.kind is not t.kind:
                self.error("type_mismatch", f"'in' item: expected {t}, got {it}", item)
            self.enum_literal(t, item)

    def call(self, node: ir.Call) -> Type:
        spec = self.functions.get(node.func)
        if spec is None:
            hint = suggest(node.func, list(self.functions))
            for a in node.args:
                self.check(a)
            return self.error("unknown_function", f"unknown function {node.func!r}{hint}", node)
        arity = spec.check_arity(len(node.args))
        if arity:
            self.error("arity", arity, node)
        nullable = False
        for i, arg in enumerate(node.args):
            t = self.expect(arg, set(spec.param_kinds(i)), f"argument {i + 1} of {spec.name}()")
            nullable = nullable or t.nullable
            problem = spec.argument_problem(i, arg.value) if isinstance(arg, ir.Const) else None
            if problem is not None:
                self.error("bad_argument", problem, arg)
        return spec.returns.or_none() if nullable else spec.returns


def check_bool(checker: Checker, node: ir.Node) -> None:
    """Check a ``when:`` condition: it must be a (non-None) bool."""
    t = checker.check(node)
    if t.kind not in (Kind.BOOL, Kind.NONE, Kind.ANY) or (t.kind is Kind.BOOL and t.nullable):
        checker.error("type_mismatch", f"a condition must be bool, got {t}", node)
