"""Phase 1: source string -> IR, with the standard ``ast`` module and a whitelist.

Nothing is ever evaluated here.  Every node type outside the whitelist is
refused with its column, so a pack author sees exactly what to change.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import Final, Literal

from ..errors import ErrorRecord, ExprSyntaxError
from . import ir, numbers

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "ExprSyntaxError", "parse"]

MAX_LENGTH: Final = 2000
MAX_NODES: Final = 400
MAX_DEPTH: Final = 40

_CMP: Final[dict[type[ast.cmpop], ir.CompareOp]] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITH: Final[dict[type[ast.operator], ir.ArithOp]] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_WHY: Final[dict[type[ast.AST], str]] = {
    ast.Lambda: "lambdas are not part of the condition language",
    ast.Subscript: "indexing is not allowed; name a fact instead",
    ast.ListComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Attribute: "only one level of dotted name is allowed (e.g. customer.category)",
    ast.NamedExpr: "assignment expressions are not allowed",
    ast.Await: "await is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Pow: "** is not allowed; use * and /",
    ast.Mod: "% is not allowed",
    ast.FloorDiv: "// is not allowed; use /",
}


def _pos(node: ast.AST) -> ir.Pos:
    col = getattr(node, "col_offset", 0)
    return ir.Pos(col, getattr(node, "end_col_offset", None) or col + 1)


class _Builder:
    def __init__(self, source: str, loc: tuple[str | int, ...]) -> None:
        self.source = source
        self.loc = loc
        self.count = 0

    def fail(
        self, kind: str, msg: str, node: ast.AST | None, col: int | None = None
    ) -> ExprSyntaxError:
        column = col if col is not None else (getattr(node, "col_offset", 0) if node else 0)
        return ExprSyntaxError(
            ErrorRecord(
                type=kind,
                loc=(*self.loc, column),
                msg=msg,
                input=self.source,
                source_line=self.source,
                column=column,
            )
        )

    def build(self, node: ast.AST, depth: int) -> ir.Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail("too_large", f"expression has more than {MAX_NODES} nodes", node)
        if depth > MAX_DEPTH:
            raise self.fail("too_deep", f"expression nests deeper than {MAX_DEPTH}", node)
        d = depth + 1
        match node:
            case ast.Constant(value=v) if v is None or isinstance(v, bool | str):
                return ir.Const(v, _pos(node))
            case ast.Constant(value=int() as v):
                return ir.Const(self.number(v, node), _pos(node))
            case ast.Constant(value=float()):
                text = ast.get_source_segment(self.source, node) or repr(node.value)
                try:
                    value = Decimal(text.replace("_", ""))
                except ArithmeticError:
                    raise self.fail("number_out_of_range", f"the number {text[:40]} is beyond "
                                    "the number limits (docs/conditions.md)", node) from None
                return ir.Const(self.number(value, node), _pos(node))
            case ast.Constant():
                raise self.fail("not_allowed", f"literal {node.value!r} is not allowed", node)
            case ast.Name(id=name):
                return ir.Name(name, _pos(node))
            case ast.Attribute(value=ast.Name(id=base), attr=attr):
                return ir.Name(f"{base}.{attr}", _pos(node))
            case ast.BoolOp(op=op, values=values):
                kind: Literal["and", "or"] = "and" if isinstance(op, ast.And) else "or"
                return ir.BoolOp(kind, tuple(self.build(v, d) for v in values), _pos(node))
            case ast.UnaryOp(op=ast.Not(), operand=o):
                return ir.Not(self.build(o, d), _pos(node))
            case ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=int() | float()) as c):
                inner = self.build(c, d)
                assert isinstance(inner, ir.Const)
                assert isinstance(inner.value, int | Decimal)
                return ir.Const(-inner.value, _pos(node))
            case ast.UnaryOp(op=ast.USub(), operand=o):
                return ir.Neg(self.build(o, d), _pos(node))
            case ast.BinOp(op=op, left=left, right=right) if type(op) in _ARITH:
                return ir.BinOp(
                    _ARITH[type(op)], self.build(left, d), self.build(right, d), _pos(node)
                )
            case ast.IfExp(test=t, body=b, orelse=e):
                return ir.IfExp(self.build(t, d), self.build(b, d), self.build(e, d), _pos(node))
            case ast.Compare():
                return self.compare(node, d)
            case ast.Call(func=ast.Name(id=fname), args=args, keywords=[]):
                return ir.Call(fname, tuple(self.build(a, d) for a in args), _pos(node))
            case ast.Call(keywords=[_, *_]):
                raise self.fail("not_allowed", "keyword arguments are not allowed", node)
            case ast.Call():
                raise self.fail("not_allowed", "only whitelisted functions can be called", node)
        why = _WHY.get(type(node)) or _WHY.get(type(getattr(node, "op", None)))  # type: ignore[arg-type]
        name = type(node).__name__
        raise self.fail("not_allowed", why or f"{name} is not part of the condition language", node)

    def number(self, value: int | Decimal, node: ast.AST) -> int | Decimal:
        """A number literal within the limits of :mod:`.numbers`, else a positioned error."""
        problem = numbers.literal_problem(value)
        if problem is not None:
            raise self.fail("number_out_of_range", f"{problem} (docs/conditions.md)", node)
        return value

    def compare(self, node: ast.Compare, d: int) -> ir.Node:
        left = node.left
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn):
            return self.membership(node, d)
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Is | ast.IsNot):
            right = node.comparators[0]
            if not (isinstance(right, ast.Constant) and right.value is None):
                raise self.fail("not_allowed", "'is' only compares with None", right)
            negated = isinstance(node.ops[0], ast.IsNot)
            return ir.IsNone(self.build(left, d), negated, _pos(node))
        ops: list[ir.CompareOp] = []
        for op in node.ops:
            if type(op) not in _CMP:
                raise self.fail("not_allowed", f"{type(op).__name__} cannot be chained here", node)
            ops.append(_CMP[type(op)])
        comps = tuple(self.build(c, d) for c in node.comparators)
        return ir.Compare(self.build(left, d), tuple(ops), comps, _pos(node))

    def membership(self, node: ast.Compare, d: int) -> ir.Node:
        right = node.comparators[0]
        if not isinstance(right, ast.Tuple | ast.List | ast.Set):
            raise self.fail(
                "not_allowed", '\'in\' needs a literal tuple, e.g. x in ("A", "B")', right
            )
        items: list[ir.Const] = []
        for elt in right.elts:
            item = self.build(elt, d)
            if not isinstance(item, ir.Const):
                raise self.fail("not_allowed", "items of an 'in' tuple must be literals", elt)
            items.append(item)
        negated = isinstance(node.ops[0], ast.NotIn)
        return ir.In(self.build(node.left, d), tuple(items), negated, _pos(node))


def parse(source: str, *, loc: tuple[str | int, ...] = ()) -> ir.Node:
    """Parse one condition or formula into IR.

    Raises :class:`ExprSyntaxError` (holding an :class:`ErrorRecord` whose
    ``loc`` is ``loc`` plus the column) for anything outside the language.
    """
    builder = _Builder(source, loc)
    if len(source) > MAX_LENGTH:
        raise builder.fail("too_large", f"expression is longer than {MAX_LENGTH} characters", None)
    if "\n" in source.strip():
        raise builder.fail("syntax", "an expression must fit on one line", None)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        col = max((exc.offset or 1) - 1, 0)
        raise builder.fail("syntax", f"invalid syntax: {exc.msg}", None, col) from None
    builder.source = source.strip()
    return builder.build(tree.body, 0)
