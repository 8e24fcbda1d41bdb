"""Phase 1 of the condition language: ast parsing with a whitelist, errors with a caret."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gridcrm_rules.expr import ExprSyntaxError, ir, parse
from gridcrm_rules.expr.parse import MAX_DEPTH, MAX_LENGTH, MAX_NODES


def refused(source: str) -> ExprSyntaxError:
    with pytest.raises(ExprSyntaxError) as info:
        parse(source, loc=("pack", "decision", "R1", "when"))
    return info.value


@pytest.mark.parametrize(
    ("source", "column", "reason"),
    [
        ("customer.x.y == 1", 0, "only one level of dotted name"),
        ("a and b.c.d", 6, "only one level of dotted name"),
        ("x[0] == 1", 0, "indexing is not allowed"),
        ("(lambda: 1) == 1", 1, "lambdas are not part"),
        ("[x for x in y] == 1", 0, "comprehensions are not allowed"),
        ("any(x for x in y)", 3, "comprehensions are not allowed"),
        ("x ** 2 > 1", 0, "** is not allowed"),
        ("x % 2 == 0", 0, "% is not allowed"),
        ("x // 2 == 0", 0, "// is not allowed"),
        ("f'{x}' == 'a'", 0, "f-strings are not allowed"),
        ("(y := 1) == 1", 1, "assignment expressions"),
        ("min(x, key=abs) > 1", 0, "keyword arguments"),
        ("x.upper() == 'A'", 0, "only whitelisted functions"),
        ("x is 1", 5, "'is' only compares with None"),
        ("x in y", 5, "'in' needs a literal tuple"),
        ("x in (a, b)", 6, "items of an 'in' tuple must be literals"),
        ("{1: 2} == x", 0, "Dict is not part of the condition language"),
        ("x == 1j", 5, "literal 1j is not allowed"),
        ("x == b'a'", 5, "is not allowed"),
        ("x & y", 0, "BinOp is not part"),
        ("~x", 0, "UnaryOp is not part"),
    ],
)
def test_refused_constructs_carry_reason_and_column(source: str, column: int, reason: str) -> None:
    """Each construct outside the whitelist is refused with a reason and the offending column."""
    record = refused(source).record
    assert reason in record.msg
    assert record.type == "not_allowed"
    assert record.column == column
    assert record.loc == ("pack", "decision", "R1", "when", column)
    assert record.source_line == source


def test_render_shows_path_message_source_and_caret() -> None:
    """``ErrorRecord.render()`` prints the loc path, the message and a caret under the column."""
    text = refused("a and b.c.d").record.render()
    assert text.splitlines() == [
        "pack -> decision -> R1 -> when -> 6",
        "  only one level of dotted name is allowed (e.g. customer.category) [type=not_allowed]",
        "    a and b.c.d",
        "          ^",
    ]


def test_syntax_error_reports_a_column() -> None:
    """A Python syntax error becomes a 'syntax' record with a column and a caret."""
    record = refused("a and (b or").record
    assert record.type == "syntax"
    assert record.msg.startswith("invalid syntax")
    assert record.column is not None
    assert 0 <= record.column <= len("a and (b or")
    assert record.render().endswith("^")


def test_statements_are_not_expressions() -> None:
    """Statements (an assignment, an import) are refused as syntax errors."""
    assert refused("x = 1").record.type == "syntax"
    assert refused("import os").record.type == "syntax"


def test_multiline_expression_refused() -> None:
    """A condition must fit on one line."""
    record = refused("a and\nb").record
    assert record.type == "syntax"
    assert "one line" in record.msg


def test_too_long_expression_refused() -> None:
    """More than MAX_LENGTH characters is refused before parsing."""
    source = " or ".join(["flag"] * (MAX_LENGTH // 8 + 1))
    assert len(source) > MAX_LENGTH
    record = refused(source).record
    assert record.type == "too_large"
    assert str(MAX_LENGTH) in record.msg


def test_too_many_nodes_refused() -> None:
    """An expression with more than MAX_NODES nodes is refused even when short enough."""
    source = "+".join(["1"] * (MAX_NODES // 2 + 5)) + " > 0"
    assert len(source) <= MAX_LENGTH
    record = refused(source).record
    assert record.type in ("too_large", "too_deep")


def test_too_deep_expression_refused() -> None:
    """Nesting deeper than MAX_DEPTH is refused with 'too_deep'."""
    source = "not " * (MAX_DEPTH + 1) + "x"
    record = refused(source).record
    assert record.type == "too_deep"
    assert str(MAX_DEPTH) in record.msg


def test_nesting_at_the_limit_is_accepted() -> None:
    """Exactly MAX_DEPTH levels below the root still parse."""
    node = parse("not " * MAX_DEPTH + "x")
    depth = 0
    while isinstance(node, ir.Not):
        node, depth = node.operand, depth + 1
    assert depth == MAX_DEPTH
    assert node == ir.Name("x", node.pos)


def test_whitelisted_forms_parse_to_ir() -> None:
    """Names, dotted names, and/or/not, chained comparison, in, is None, if-else and calls parse."""
    node = parse(
        'not a and (customer.category in ("residential", "other") or 1 < x <= 3) '
        "and y is not None and (min(x, 2) if z else -1.5) > 0"
    )
    assert isinstance(node, ir.BoolOp)
    assert node.op == "and"
    kinds = {type(n).__name__ for n in ir.walk(node)}
    assert kinds >= {"Not", "In", "Compare", "IsNone", "IfExp", "Call", "Name", "Const"}
    names = {n.name for n in ir.walk(node) if isinstance(n, ir.Name)}
    assert names == {"a", "customer.category", "x", "y", "z"}


def test_float_literals_become_exact_decimals() -> None:
    """A float literal is kept as the Decimal of its source text, never a binary float."""
    node = parse("x > 0.1")
    assert isinstance(node, ir.Compare)
    const = node.comparators[0]
    assert isinstance(const, ir.Const)
    assert const.value == Decimal("0.1")
    assert isinstance(const.value, Decimal)


def test_negative_literal_folds_to_constant() -> None:
    """``-3`` and ``-2.5`` are constants, not negations of a name."""
    node = parse("x > -2.5")
    assert isinstance(node, ir.Compare)
    assert node.comparators[0] == ir.Const(Decimal("-2.5"), node.comparators[0].pos)


def test_leading_whitespace_does_not_shift_columns() -> None:
    """Columns refer to the stripped source shown in the caret line."""
    record = refused("   x ** 2").record
    assert record.source_line == "x ** 2"
    assert record.column == 0


def test_parse_never_evaluates() -> None:
    """A call by plain name only builds IR (the checker decides if the name is whitelisted)."""
    node = parse("print(1)")
    assert node == ir.Call("print", (ir.Const(1, node.args[0].pos),), node.pos)
