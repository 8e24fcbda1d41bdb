"""A fused decision kernel agrees with rule-by-rule interpretation (hypothesis).

``engine/kernel.py`` writes a whole table as one generated function.  Here random
tables (random conditions and formula outputs from ``expr_strategies``, random
effective dates) run through :class:`~gridcrm_rules.engine.step.DecisionStep`
under every hit policy, and the result must equal what the oracle gives trying
the rules one by one: the same hits, outputs, reads and values, or the same
error located at the same rule.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
from expr_reference import interpret, outcome
from expr_strategies import SCHEMA, P, bool_exprs, environments, num_exprs, numbers
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcrm_rules.engine.build import CompiledDecision, CompiledRule
from gridcrm_rules.engine.kernel import StepHit, StepResult, fuse
from gridcrm_rules.engine.step import DecisionStep
from gridcrm_rules.errors import EvaluationError
from gridcrm_rules.expr import compile_expr, ir
from gridcrm_rules.functions import FUNCTIONS
from gridcrm_rules.models import Citation, PackRef
from gridcrm_rules.packs import DecisionSpec

DAY = date(2026, 6, 1)
LOCATION = ("pack_t", "table_t")
DEFAULTS = {"level": "none", "amount": Decimal("1.50"), "since": date(2020, 1, 1)}


def _keys(node: ir.Node) -> tuple[str, ...]:
    return tuple(dict.fromkeys(SCHEMA[n.name].key for n in ir.walk(node)
                               if isinstance(n, ir.Name)))


@st.composite
def rules(draw: st.DrawFn, index: int) -> CompiledRule:
    """A rule with a random condition, a literal, a formula and maybe dates."""
    when = draw(bool_exprs)
    amount = draw(num_exprs)
    outputs: list[tuple[str, ir.Node | None]] = [("level", ir.Const(f"L{index}", P))]
    if draw(st.booleans()):
        outputs.append(("amount", amount))
    if draw(st.booleans()):  # a literal the IR cannot hold: the kernel calls its function
        outputs.append(("since", None))
    starts = draw(st.sampled_from([None, date(2026, 1, 1), date(2027, 1, 1)]))
    ends = draw(st.sampled_from([None, date(2026, 3, 1), date(2026, 12, 31)]))
    funcs = []
    for name, node in outputs:
        if node is None:
            funcs.append((name, lambda env, i=index: date(2021, 1, i + 1)))
        else:
            funcs.append((name, compile_expr(node, SCHEMA, FUNCTIONS)))
    return CompiledRule(
        id=f"R{index}", when=compile_expr(when, SCHEMA, FUNCTIONS), when_ir=when,
        reads=_keys(when), output_reads=(), outputs=tuple(funcs), output_nodes=tuple(outputs),
        source=Citation(clause=f"R{index}"), priority=draw(st.integers(0, 2)),
        effective_from=starts, effective_to=ends,
    )


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, tuple[CompiledRule, ...]]:
    policy = draw(st.sampled_from(["first", "unique", "priority", "collect"]))
    count = draw(st.integers(0, 4))
    return policy, tuple(draw(rules(i)) for i in range(count))


def decision(policy: str, table: tuple[CompiledRule, ...]) -> CompiledDecision:
    spec = DecisionSpec.model_validate(
        {"hit_policy": policy, "outputs": {"level": {"type": "str"}}, "rules": []}
    )
    return CompiledDecision(
        name=LOCATION[1], pack=PackRef(name=LOCATION[0], version="1"), spec=spec, rules=table,
        default=tuple(DEFAULTS.items()), depends_on=frozenset(), schema=SCHEMA, assumptions=(),
        kernel=fuse(LOCATION, policy, table, DEFAULTS, SCHEMA, FUNCTIONS),
    )


def oracle(policy: str, table: tuple[CompiledRule, ...], env: dict[str, Any]) -> StepResult:
    """Try the rules one at a time, as the language and the hit policies define."""
    matched: list[tuple[CompiledRule, dict[str, Any]]] = []
    for rule in table:
        if not rule.active_on(DAY):
            continue
        try:
            if not interpret(rule.when_ir, env, SCHEMA, FUNCTIONS):
                continue
            fns = dict(rule.outputs)
            outputs = {name: fns[name](env) if node is None
                       else interpret(node, env, SCHEMA, FUNCTIONS)
                       for name, node in rule.output_nodes}
        except EvaluationError as exc:
            raise EvaluationError(str(exc), loc=(*LOCATION, rule.id)) from None
        matched.append((rule, outputs))
        if policy == "first":
            break
    if policy == "unique" and len(matched) > 1:
        ids = ", ".join(r.id for r, _ in matched)
        raise EvaluationError(f"hit policy 'unique' but {len(matched)} rules match: {ids}",
                              loc=LOCATION)
    if policy == "priority" and matched:
        best = max(r.priority for r, _ in matched)
        matched = [next(h for h in matched if h[0].priority == best)]
    values = dict(DEFAULTS)
    if matched and policy != "collect":
        values.update(matched[0][1])
    hits = tuple(StepHit(r.id, o, {k: env[k] for k in r.reads}) for r, o in matched)
    return StepResult(hits, values)


def _plain(result: StepResult) -> Any:
    return [(h.rule_id, dict(h.outputs), dict(h.reads)) for h in result.hits], dict(result.values)


def _run(fn: Any) -> tuple[str, Any]:
    """Like ``outcome`` but keeps an EvaluationError's location."""
    try:
        return "value", _plain(fn())
    except EvaluationError as exc:
        return "error", (str(exc), exc.loc)
    except Exception as exc:
        return "error", (type(exc).__name__, str(exc))


def _agrees_with_oracle(policy: str, compiled: tuple[CompiledRule, ...],
                        env: dict[str, Any]) -> None:
    """The step's result and its ``matches`` equal the oracle's (or the same error)."""
    step = DecisionStep(decision(policy, compiled), day=DAY)
    assert _run(lambda: step(env)) == _run(lambda: oracle(policy, compiled, env))
    got = outcome(lambda: [(r.id, o) for r, o in step.matches(env)])
    want = outcome(lambda: [(h.rule_id, dict(h.outputs))
                            for h in oracle(policy, compiled, env).hits])
    assert got == want


@settings(max_examples=300)
@given(table=tables(), env=environments)
def test_kernel_matches_rule_by_rule_interpretation(
    table: tuple[str, tuple[CompiledRule, ...]], env: dict[str, Any]
) -> None:
    """Hits, outputs, reads and values (or the located error) equal the oracle's."""
    _agrees_with_oracle(*table, env)


@pytest.mark.parametrize("output", [ir.Const("L0", P), None])
def test_values_are_read_only(output: ir.Node | None) -> None:
    """A result's values and outputs cannot be changed, so the mappings calls share (a
    rule whose outputs are literals) cannot leak from one result into another; the
    same holds for outputs computed per call (no IR: the output's function)."""
    rule = CompiledRule(
        id="R0", when=compile_expr(ir.Name("a", P), SCHEMA, FUNCTIONS), when_ir=ir.Name("a", P),
        reads=("a",), output_reads=(), outputs=(("level", lambda env: "L0"),),
        output_nodes=(("level", output),), source=Citation(clause="R0"), priority=0,
        effective_from=None, effective_to=None,
    )
    for policy in ("first", "collect"):
        step = DecisionStep(decision(policy, (rule,)))
        miss, hit = step({"a": False}), step({"a": True})
        for mapping in (miss.values, hit.values, hit.hits[0].outputs):
            with pytest.raises(TypeError):
                mapping["level"] = "changed"  # type: ignore[index]
        assert step({"a": False}).values == DEFAULTS
        assert hit.values["level"] == ("L0" if policy == "first" else "none")  # collect: defaults
        assert step({"a": True}).hits[0].outputs == {"level": "L0"}
        assert hit.hits[0].reads == {"a": True}


@pytest.mark.parametrize("policy", ["first", "collect"])
def test_error_is_located_at_the_rule_that_raised(policy: str) -> None:
    """An EvaluationError in the second rule names pack, decision and that rule."""
    ordered = ir.Compare(ir.Name("y", P), ("<",), (ir.Const(1, P),), P)
    made = [
        CompiledRule(
            id=rid, when=compile_expr(node, SCHEMA, FUNCTIONS), when_ir=node, reads=_keys(node),
            output_reads=(), outputs=(), output_nodes=(), source=Citation(clause=rid),
            priority=0, effective_from=None, effective_to=None,
        )
        for rid, node in (("OK", ir.Const(False, P)), ("BAD", ordered))
    ]
    step = DecisionStep(decision(policy, tuple(made)))
    with pytest.raises(EvaluationError) as caught:
        step({"y": None})
    assert caught.value.loc == (*LOCATION, "BAD")
    assert "missing value" in str(caught.value)


def test_mapping_proxy_environment_works() -> None:
    """The kernel reads any Mapping, not only dicts."""
    rule_when = ir.Name("a", P)
    rule = CompiledRule(
        id="R0", when=compile_expr(rule_when, SCHEMA, FUNCTIONS), when_ir=rule_when,
        reads=("a",), output_reads=(), outputs=(), output_nodes=(), source=Citation(clause="R0"),
        priority=0, effective_from=None, effective_to=None,
    )
    step = DecisionStep(decision("first", (rule,)))
    assert step(MappingProxyType({"a": True})).rule_ids == ("R0",)


# -- a call written more than once is computed once per run ---------------------------
def _at(node: ir.Node, col: int) -> ir.Node:
    """``node`` with every position moved (the same expression written elsewhere)."""
    pos = ir.Pos(col, col + 1)
    match node:
        case ir.Call(func=f, args=args):
            return ir.Call(f, tuple(_at(a, col) for a in args), pos)
        case ir.BinOp(op=op, left=left, right=right):
            return ir.BinOp(op, _at(left, col), _at(right, col), pos)
        case ir.Neg(operand=o):
            return ir.Neg(_at(o, col), pos)
        case ir.Name(name=n):
            return ir.Name(n, pos)
        case ir.Const(value=v):
            return ir.Const(v, pos)
    return node


calls = st.tuples(st.sampled_from(["min", "max"]), st.lists(num_exprs, min_size=2, max_size=3)
                  ).map(lambda t: ir.Call(t[0], tuple(t[1]), P)) | num_exprs.map(
                      lambda c: ir.Call("abs", (c,), P))


@st.composite
def sharing_tables(draw: st.DrawFn) -> tuple[str, tuple[CompiledRule, ...]]:
    """Tables whose rules use the same few calls again and again, in conditions (on
    paths that always run and on paths that may not) and in outputs."""
    pool = draw(st.lists(calls, min_size=1, max_size=3))
    policy = draw(st.sampled_from(["first", "unique", "priority", "collect"]))
    made = []
    for index in range(draw(st.integers(1, 4))):
        def use() -> ir.Node:
            return _at(draw(st.sampled_from(pool)), draw(st.integers(1, 50)))
        test: ir.Node = ir.Compare(use(), (draw(st.sampled_from(["<", ">=", "=="])),),
                                   (ir.Const(draw(numbers), P),), P)
        if draw(st.booleans()):  # maybe behind a guard: a run may not reach the call
            test = ir.BoolOp(draw(st.sampled_from(["and", "or"])), (ir.Name("a", P), test), P)
        amount = use()
        outputs: tuple[tuple[str, ir.Node | None], ...] = (
            ("level", ir.Const(f"L{index}", P)), ("amount", amount))
        made.append(CompiledRule(
            id=f"R{index}", when=compile_expr(test, SCHEMA, FUNCTIONS), when_ir=test,
            reads=_keys(test), output_reads=(),
            outputs=(("level", lambda env, i=index: f"L{i}"),
                     ("amount", compile_expr(amount, SCHEMA, FUNCTIONS))),
            output_nodes=outputs, source=Citation(clause=f"R{index}"),
            priority=draw(st.integers(0, 2)), effective_from=None, effective_to=None,
        ))
    return policy, tuple(made)


@settings(max_examples=300)
@given(table=sharing_tables(), env=environments)
def test_shared_calls_give_what_rule_by_rule_gives(
    table: tuple[str, tuple[CompiledRule, ...]], env: dict[str, Any]
) -> None:
    """A call the table repeats (computed once per run) changes no hit, output, value
    or located error: the oracle computes every occurrence anew."""
    _agrees_with_oracle(*table, env)


def _counting() -> tuple[dict[str, Any], list[Any]]:
    """FUNCTIONS plus ``tick(n)``: n + 1, recording each call."""
    from gridcrm_rules.expr.functions import FunctionSpec
    from gridcrm_rules.expr.types import NUMBER, Kind

    seen: list[Any] = []

    def tick(n: Any) -> Any:
        seen.append(n)
        return n + 1

    spec = FunctionSpec("tick", (frozenset({Kind.NUMBER}),), NUMBER, tick, "n + 1")
    return {**FUNCTIONS, "tick": spec}, seen


@pytest.mark.parametrize("guarded_first", [False, True])
@pytest.mark.parametrize("policy", ["first", "collect"])
def test_a_repeated_call_runs_once_where_a_run_first_reaches_it(
    policy: str, guarded_first: bool
) -> None:
    """``tick(x)`` in two rules' conditions and an output is called once per run.  When
    the first rule's guard skips it, the second rule computes it (not a value left
    from another run)."""
    functions, seen = _counting()
    tick = [ir.Call("tick", (ir.Name("x", ir.Pos(i, i + 1)),), ir.Pos(i, i + 7))
            for i in range(3)]
    first: ir.Node = ir.Compare(tick[0], (">",), (ir.Const(100, P),), P)
    if guarded_first:
        first = ir.BoolOp("and", (ir.Name("a", P), first), P)
    second = ir.Compare(tick[1], (">",), (ir.Const(0, P),), P)
    made = tuple(
        CompiledRule(
            id=rid, when=compile_expr(node, SCHEMA, functions), when_ir=node,
            reads=_keys(node), output_reads=(),
            outputs=(("amount", compile_expr(tick[2], SCHEMA, functions)),),
            output_nodes=(("amount", tick[2]),), source=Citation(clause=rid), priority=0,
            effective_from=None, effective_to=None)
        for rid, node in (("R0", first), ("R1", second)))
    spec = DecisionSpec.model_validate(
        {"hit_policy": policy, "outputs": {"level": {"type": "str"}}, "rules": []})
    d = CompiledDecision(
        name=LOCATION[1], pack=PackRef(name=LOCATION[0], version="1"), spec=spec, rules=made,
        default=tuple(DEFAULTS.items()), depends_on=frozenset(), schema=SCHEMA,
        assumptions=(), kernel=fuse(LOCATION, policy, made, DEFAULTS, SCHEMA, functions))
    step = DecisionStep(d, day=DAY)
    for x in (Decimal(1), Decimal(2)):
        seen.clear()
        result = step({"a": False, "b": None, "x": x, "y": None, "customer.s": "p"})
        assert seen == [x]
        assert result.rule_ids == ("R1",)
        assert result.hits[0].outputs["amount"] == x + 1


def test_shape_ignores_positions_but_not_values() -> None:
    """Two writings of one expression have one shape; 1 and 1.0 (different decimals)
    and True and 1 do not."""
    a = ir.Call("abs", (ir.Const(Decimal("1.0"), ir.Pos(0, 3)),), ir.Pos(0, 8))
    b = ir.Call("abs", (ir.Const(Decimal("1.0"), ir.Pos(9, 12)),), ir.Pos(9, 17))
    assert ir.shape(a) == ir.shape(b)
    assert ir.shape(a) != ir.shape(ir.Call("abs", (ir.Const(Decimal("1"), P),), P))
    assert ir.shape(ir.Const(True, P)) != ir.shape(ir.Const(1, P))
    assert ir.shape(ir.Name("x", P)) != ir.shape(ir.Name("y", P))
