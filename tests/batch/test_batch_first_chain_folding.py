"""The batch compiler's first-hit folding keeps every rule's meaning where it is tried.

In a ``first`` table rule k is only tried where rules 0..k-1 missed, so
``batch/decide.py`` substitutes the flags those misses fix (``_when_false``) into
rule k and folds ``not``/``and``/``or`` (``_assume``).  On every row that reaches
rule k the folded rule must give the same truth value, and raise exactly when the
original raises.  Checked exhaustively over the flags' values for random tables.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcrm_rules.batch.columnar_expr import compile_columnar, truthy
from gridcrm_rules.batch.decide import _assume, _merge, _when_false
from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.expr import Binding, compile_expr, ir
from gridcrm_rules.expr.types import BOOL, NUMBER
from gridcrm_rules.functions import FUNCTIONS

P = ir.Pos(0, 0)
SCHEMA = {
    "a": Binding("a", BOOL),
    "c": Binding("c", BOOL),
    "b": Binding("b", BOOL.or_none()),  # nullable: a miss of `b` says nothing
    "y": Binding("y", NUMBER.or_none()),
}
RISKY = ir.Compare(ir.Name("y", P), ("<",), (ir.Const(1, P),), P)  # raises when y is None

leaves = st.sampled_from([
    ir.Name("a", P), ir.Name("c", P), ir.Name("b", P), ir.Const(True, P), ir.Const(False, P),
    RISKY,
    ir.IsNone(ir.Name("b", P), False, P),  # where None and False differ
    ir.Compare(ir.Name("b", P), ("==",), (ir.Const(False, P),), P),
])


def _extend(children: st.SearchStrategy[ir.Node]) -> st.SearchStrategy[ir.Node]:
    return st.one_of(
        children.map(lambda c: ir.Not(c, P)),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=3))
        .map(lambda t: ir.BoolOp(t[0], tuple(t[1]), P)),
    )


conditions = st.recursive(leaves, _extend, max_leaves=6)


def _truth(node: ir.Node, env: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "value", bool(compile_expr(node, SCHEMA, FUNCTIONS)(env))
    except EvaluationError as exc:
        return "raises", str(exc)


ROWS = [
    {"a": a, "c": c, "b": b, "y": y}
    for a, c, b, y in itertools.product([False, True], [False, True], [None, False, True],
                                        [None, Decimal(0), Decimal(5)])
]


FRAME = pl.DataFrame(ROWS, schema={"a": pl.Boolean, "c": pl.Boolean, "b": pl.Boolean,
                                   "y": pl.Decimal(38, 2)})


def _columnar(node: ir.Node, known: dict[str, bool]) -> tuple[list[bool], list[bool]]:
    """The batch compiler's truth and risk (would the scalar engine raise?) per row."""
    col = compile_columnar(node, SCHEMA, FRAME.schema, known, FUNCTIONS,
                           lambda spec, args: spec.impl(*args))
    risk = col.risk if col.risk is not None else pl.lit(False)
    out = FRAME.with_columns(truthy(col).alias("v"), risk.alias("r"))  # literals broadcast
    return out.get_column("v").to_list(), out.get_column("r").to_list()


@settings(max_examples=300)
@given(rules=st.lists(conditions, min_size=1, max_size=4))
def test_folded_rules_agree_wherever_they_are_tried(rules: list[ir.Node]) -> None:
    """Rule k folded under the misses of rules 0..k-1 equals rule k on rows reaching it:
    in Python (value or error) and compiled to polars (truth, and risk where it raises)."""
    missed: dict[str, bool] = {}
    for k, rule in enumerate(rules):
        folded = _assume(rule, missed) if missed else rule
        truth, risk = _columnar(folded, missed)
        for i, env in enumerate(ROWS):
            earlier = [_truth(r, env) for r in rules[:k]]
            if any(t != ("value", False) for t in earlier):
                continue  # an earlier rule fired or raised: rule k is not tried here
            want = _truth(rule, env)
            assert _truth(folded, env) == want, (k, rule, folded, env)
            if want[0] == "raises":
                assert risk[i], (k, rule, folded, env)
            elif not risk[i]:
                assert truth[i] == want[1], (k, rule, folded, env)
        missed = _merge(missed, _when_false(folded, SCHEMA))


def test_credit_shape_folds_away_the_theft_test() -> None:
    """After ``theft or over_2m`` misses, ``not theft and over_1m`` becomes ``over_1m``."""
    first = ir.BoolOp("or", (ir.Name("a", P), ir.Name("c", P)), P)
    second = ir.BoolOp("and", (ir.Not(ir.Name("a", P), P), ir.Name("b", P)), P)
    missed = _when_false(first, SCHEMA)
    assert missed == {"a": False, "c": False}
    assert _assume(second, missed) == ir.BoolOp("and", (ir.Name("b", P),), P)
