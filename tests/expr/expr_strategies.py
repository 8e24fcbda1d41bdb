"""Hypothesis strategies for random condition-language trees over a small schema."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from gridcrm_rules.expr import Binding, ir
from gridcrm_rules.expr.types import BOOL, NUMBER, Type

P = ir.Pos(0, 0)
SCHEMA = {
    "a": Binding("a", BOOL),
    "b": Binding("b", BOOL.or_none()),
    "x": Binding("x", NUMBER),
    "y": Binding("y", NUMBER.or_none()),
    "s": Binding("customer.s", Type.enum("p", "q")),
}

numbers = st.one_of(
    st.integers(-3, 3),
    st.decimals(min_value=-5, max_value=5, places=2, allow_nan=False, allow_infinity=False),
)
environments = st.fixed_dictionaries(
    {
        "a": st.booleans(),
        "b": st.none() | st.booleans(),
        "x": numbers,
        "y": st.none() | numbers,
        "customer.s": st.sampled_from(["p", "q"]),
    }
)


def const(v: Any) -> ir.Const:
    """A literal node."""
    return ir.Const(v, P)


num_leaf = st.one_of(
    st.sampled_from([ir.Name("x", P), ir.Name("y", P)]),
    numbers.map(const),
)


def _num_tree(children: st.SearchStrategy[ir.Node]) -> st.SearchStrategy[ir.Node]:
    return st.one_of(
        children.map(lambda c: ir.Neg(c, P)),
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(
            lambda t: ir.BinOp(t[0], t[1], t[2], P)
        ),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3))
        .map(lambda t: ir.Call(t[0], tuple(t[1]), P)),
        children.map(lambda c: ir.Call("abs", (c,), P)),
    )


num_exprs = st.recursive(num_leaf, _num_tree, max_leaves=6)

bool_leaf = st.one_of(
    st.sampled_from([ir.Name("a", P), ir.Name("b", P), const(True), const(False)]),
    st.tuples(num_exprs, st.lists(st.tuples(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
                                            num_exprs), min_size=1, max_size=3))
    .map(lambda t: ir.Compare(t[0], tuple(o for o, _ in t[1]), tuple(c for _, c in t[1]), P)),
    st.tuples(st.sampled_from(["==", "!=", "<", ">="]), numbers).map(  # the inline fast path
        lambda t: ir.Compare(ir.Name("x", P), (t[0],), (const(t[1]),), P)
    ),
    st.tuples(st.sampled_from(["==", "!="]), st.sampled_from(["p", "q"])).map(
        lambda t: ir.Compare(ir.Name("s", P), (t[0],), (const(t[1]),), P)
    ),
    st.tuples(num_exprs, st.lists(numbers, min_size=1, max_size=3), st.booleans()).map(
        lambda t: ir.In(t[0], tuple(const(v) for v in t[1]), t[2], P)
    ),
    st.tuples(st.sampled_from([ir.Name("y", P), ir.Name("b", P)]), st.booleans()).map(
        lambda t: ir.IsNone(t[0], t[1], P)
    ),
)


def _bool_tree(children: st.SearchStrategy[ir.Node]) -> st.SearchStrategy[ir.Node]:
    return st.one_of(
        children.map(lambda c: ir.Not(c, P)),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=1, max_size=4))
        .map(lambda t: ir.BoolOp(t[0], tuple(t[1]), P)),
        st.tuples(children, children, children).map(lambda t: ir.IfExp(t[0], t[1], t[2], P)),
        st.tuples(children, children).map(  # a bool used as a value: compared with a bool
            lambda t: ir.Compare(t[0], ("==",), (t[1],), P)
        ),
    )


bool_exprs = st.recursive(bool_leaf, _bool_tree, max_leaves=8)
