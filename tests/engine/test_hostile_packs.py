"""Hostile and careless packs: refused at load, or evaluated to a decision plus error records.

Generated condition trees (operators, functions, literals at and beyond the number
limits, names that may be missing) go into a pack extending ``credit`` (which the
built-in entitlements read).  Each pack is either refused at load with a
:class:`PackError`, or both backends decide every customer -- no Python or polars
exception escapes -- and agree on the grade and on which parts failed, with which
error type (docs/concepts.md "What happens when something fails").
"""

from __future__ import annotations

import decimal
from collections import Counter
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gridcrm_rules as gr
from gridcrm_rules.errors import PackError
from gridcrm_rules.expr import ir, numbers
from gridcrm_rules.sample import load_sample

SAMPLE = load_sample()
_IDS = ("C0001", "C0002", "C0003", "C0010", "C0020", "C0030", "C0045", "C0060")
CUSTOMERS = [c for c in SAMPLE.customers if c["id"] in _IDS] or list(SAMPLE.customers[:8])
EVENTS = [dict(e) for e in SAMPLE.events if e["customer_id"] in {c["id"] for c in CUSTOMERS}]
KNOWN_TYPES = {"missing_value", "number_out_of_range", "division_by_zero", "bad_argument",
               "dependency_failed", "calendar_data_missing", "unique_violated", "invalid_output",
               "fact_error",
               "evaluation_error"}
P = ir.Pos(0, 0)

# -- literals at and beyond the limits ------------------------------------------------------
LIMIT = 10**numbers.MAX_INTEGER_DIGITS
INT_LITERALS = st.sampled_from([0, 1, 2, 3, 7, 24, 25, 1000, 1001, 36_600, 36_601, LIMIT - 1,
                                LIMIT, 10**400]) | st.integers(-10**20, 10**20)
DEC_LITERALS = st.sampled_from(["0.5", "1.5", "0.01", "0.333333333", "0.1234567891", "1e17",
                                "1e18", "1e400", "1e999999", "1e9999999999999999999",
                                "999999999999999999.999999999"])


def render(node: ir.Node) -> str:
    """Source text of an IR tree (the parser reads it back into the same tree)."""
    match node:
        case ir.Const(value=_Raw() as v):
            return str(v)
        case ir.Const(value=str() as v):
            return repr(v)
        case ir.Const(value=v):
            text = str(v)
            return f"({text})" if text.startswith("-") else text
        case ir.Name(name=n):
            return n
        case ir.Not(operand=o):
            return f"(not {render(o)})"
        case ir.BoolOp(op=op, operands=ops):
            return "(" + f" {op} ".join(render(o) for o in ops) + ")"
        case ir.IsNone(operand=o, negated=neg):
            return f"({render(o)} is {'not ' if neg else ''}None)"
        case ir.Compare(left=left, ops=ops, comparators=comps):
            parts = [render(left)]
            for op, c in zip(ops, comps, strict=True):
                parts += [op, render(c)]
            return "(" + " ".join(parts) + ")"
        case ir.Neg(operand=o):
            return f"(-{render(o)})"
        case ir.BinOp(op=op, left=left, right=right):
            return f"({render(left)} {op} {render(right)})"
        case ir.IfExp(test=t, body=b, orelse=e):
            return f"({render(b)} if {render(t)} else {render(e)})"
        case ir.Call(func=f, args=args):
            return f"{f}(" + ", ".join(render(a) for a in args) + ")"
    raise AssertionError(node)


def _literal(text: str) -> ir.Const:
    """A number literal as the parser would hold it (a text the parser may refuse: kept)."""
    return ir.Const(_Raw(text), P)  # type: ignore[arg-type]


class _Raw(str):
    """A literal written as is into the source (e.g. 1e400, which Decimal may not hold)."""

    def __str__(self) -> str:
        return str.__str__(self)


NUM_NAMES = st.sampled_from(["arrears_amount", "customer.transformer_kva",
                             "customer.supply_voltage_kv", "params.override_max_steps"])
DATE_NAMES = st.sampled_from(["as_of", "cutoff"])
BOOL_NAMES = st.sampled_from(["theft_or_violation_3y", "arrears_over_1m", "had_arrears_in_year"])


def numbers_() -> st.SearchStrategy[ir.Node]:
    leaves = st.one_of(
        INT_LITERALS.map(lambda v: ir.Const(v, P)),
        DEC_LITERALS.map(_literal),
        NUM_NAMES.map(lambda n: ir.Name(n, P)),
    )

    def extend(inner: st.SearchStrategy[ir.Node]) -> st.SearchStrategy[ir.Node]:
        return st.one_of(
            st.builds(lambda op, a, b: ir.BinOp(op, a, b, P), st.sampled_from("+-*/"), inner,
                      inner),
            inner.map(lambda a: ir.Neg(a, P)),
            st.builds(lambda f, a: ir.Call(f, (a,), P), st.sampled_from(["abs", "round_money"]),
                      inner),
            st.builds(lambda f, a, b: ir.Call(f, (a, b), P), st.sampled_from(["min", "max"]),
                      inner, inner),
            DATE_NAMES.map(lambda n: ir.Call("year_of", (ir.Name(n, P),), P)),
        )

    return st.recursive(leaves, extend, max_leaves=4)


def deadlines() -> st.SearchStrategy[ir.Node]:
    """A datetime: a deadline function of as_of with a generated count."""
    start = DATE_NAMES.map(lambda n: ir.Name(n, P))
    return st.one_of(
        st.builds(lambda f, t, n: ir.Call(f, (t, n), P),
                  st.sampled_from(["working_days_after", "days_after", "months_after",
                                   "hours_after", "minutes_after"]), start, numbers_()),
        st.builds(lambda t, a, b: ir.Call("next_daytime", (t, a, b), P), start, numbers_(),
                  numbers_()),
    )


def conditions() -> st.SearchStrategy[ir.Node]:
    compare = st.builds(lambda a, op, b: ir.Compare(a, (op,), (b,), P), numbers_(),
                        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), numbers_())
    dates = st.builds(lambda a, op: ir.Compare(a, (op,), (ir.Name("as_of", P),), P),
                      deadlines(), st.sampled_from(["<", ">", "=="]))
    leaves = st.one_of(compare, dates, BOOL_NAMES.map(lambda n: ir.Name(n, P)),
                       numbers_().map(lambda a: ir.IsNone(a, False, P)))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            inner.map(lambda a: ir.Not(a, P)),
            st.builds(lambda op, a, b: ir.BoolOp(op, (a, b), P), st.sampled_from(["and", "or"]),
                      inner, inner),
        ),
        max_leaves=3,
    )


def hostile_pack(when: str, grade_formula: str | None = None) -> dict[str, Any]:
    """A pack extending credit whose first rule has the condition ``when``."""
    outputs: dict[str, Any] = {"grade": grade_formula or "D"}
    return {"name": "hostile", "version": "1", "extends": "credit",
            "decisions": {"credit": {"rules": [
                {"id": "CR-HOSTILE", "before": "CR-D", "when": when, "outputs": outputs}]}}}


ALL_CUSTOMERS = list(SAMPLE.customers)
ALL_EVENTS = [dict(e) for e in SAMPLE.events]


def outcomes(engine: gr.Engine, customers: list[dict[str, Any]] = CUSTOMERS,
             events: list[dict[str, Any]] = EVENTS) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per customer, (grade, part errors) from evaluate and from evaluate_batch."""
    by: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by.setdefault(e["customer_id"], []).append(
            {k: v for k, v in e.items() if k != "customer_id"})
    scalar = {}
    for c in customers:
        d = engine.evaluate(c, by.get(c["id"], []), as_of=SAMPLE.as_of)
        assert {e.type for e in d.errors} <= KNOWN_TYPES, d.errors
        scalar[c["id"]] = (d.credit.grade if d.credit else None,
                           Counter((".".join(e.loc), e.type) for e in d.errors))
    result = engine.evaluate_batch(customers, events, as_of=SAMPLE.as_of)
    assert result.errors.filter(pl.col("source") != "decisions").is_empty(), result.errors
    assert sorted(result.decisions.get_column("customer_id")) == sorted(scalar)
    batch: dict[str, Any] = {}
    for r in result.decisions.iter_rows(named=True):
        errs = result.errors.filter(pl.col("customer_id") == r["customer_id"])
        batch[r["customer_id"]] = (r["grade"], Counter(zip(errs.get_column("loc"),
                                                           errs.get_column("type"),
                                                           strict=True)))
    return scalar, batch


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(conditions(), st.one_of(st.none(), numbers_()))
def test_generated_packs_are_refused_or_decided_alike(cond: ir.Node,
                                                     formula: ir.Node | None) -> None:
    """Refused at load with a PackError, or decided by both backends with the same grades and
    the same part errors (location and type) -- never an internal exception."""
    grade = None
    if formula is not None:
        grade = f"= 'D' if {render(formula)} > 0 else 'C'"
    pack = hostile_pack(render(cond), grade)
    try:
        engine = gr.Engine.from_packs([pack, "entitlements"])
    except PackError as exc:
        refused = exc.errors
    else:
        refused = ()
    if refused:  # a pack error: positioned records, never an internal exception
        assert all(e.msg and e.loc for e in refused)
        return
    scalar, batch = outcomes(engine)
    assert batch == scalar


PROBES_REFUSED = [
    "arrears_amount > 1e400",
    "arrears_amount > 1e9999999999999999999",
    "arrears_amount > " + "9" * 900,
    "1e999999 * 1e999999 > 0",
    "arrears_amount > 0.1234567891",
    "working_days_after(as_of, 1.5) > as_of",
    "working_days_after(as_of, -100000) > as_of",
    "days_after(as_of, 99999999999) > as_of",
    "months_after(as_of, 0.5) > as_of",
    "next_daytime(as_of, 25, 8) > as_of",
    "next_daytime(as_of, 22, -1) > as_of",
    "arrears_amount > NaN",
    "arrears_amount > Infinity",
]


@pytest.mark.parametrize("when", PROBES_REFUSED)
def test_out_of_limit_literals_and_arguments_are_refused_at_load(when: str) -> None:
    """Literals beyond the number limits, non-numbers and literal arguments outside a
    function's domain are a positioned PackError at load, not a run-time crash."""
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([hostile_pack(when)])
    (error,) = info.value.errors
    assert error.type in {"number_out_of_range", "bad_argument", "unknown_name"}
    assert error.loc[:3] == ("hostile", "credit", "CR-HOSTILE")


@pytest.mark.parametrize("default", ["NaN", "Infinity", "-Infinity", "sNaN", 10**900, "1e400",
                                     "0.0000000001"])
def test_non_finite_and_out_of_limit_parameters_are_refused(default: Any) -> None:
    """A parameter default NaN/Infinity/sNaN or beyond the limits is refused at load."""
    pack = hostile_pack("arrears_amount > params.x")
    pack["params"] = {"x": {"type": "number", "default": default}}
    with pytest.raises(PackError, match="params"):
        gr.Engine.from_packs([pack])


@pytest.mark.parametrize(
    ("when", "kind"),
    [
        ("abs(customer.transformer_kva) > 5", "missing_value"),
        ("min(customer.transformer_kva, 3) > 5", "missing_value"),
        ("max(customer.transformer_kva, 3) > 5", "missing_value"),
        ("round_money(customer.transformer_kva) > 5", "missing_value"),
        ("year_of(customer.connected_on) > 2020", "missing_value"),
        ("days_after(customer.connected_on, 3) > as_of", "missing_value"),
        ("customer.transformer_kva * 2 > 5", "missing_value"),
        ("arrears_amount * 100000000000000000 > 5", "number_out_of_range"),
        ("100000000000000000 * 100000000000000000 > arrears_amount", "number_out_of_range"),
        ("arrears_amount / (arrears_amount - arrears_amount) > 1", "division_by_zero"),
        ("working_days_after(as_of, params.override_max_steps - 1) > as_of", "bad_argument"),
    ],
)
def test_run_time_faults_are_part_errors_in_both_backends(when: str, kind: str) -> None:
    """Missing values in functions, overflow, division by zero and bad function arguments
    are structured errors for the credit decision (and dependency_failed for the
    entitlements that read it), the same in evaluate and evaluate_batch; the batch goes on."""
    engine = gr.Engine.from_packs([hostile_pack(when), "entitlements"])
    scalar, batch = outcomes(engine, ALL_CUSTOMERS, ALL_EVENTS)
    assert batch == scalar
    kinds = {t for _, errors in scalar.values() for (_, t) in errors}
    assert kind in kinds
    failed = [cid for cid, (_, errors) in scalar.items() if errors]
    for cid in failed:
        grade, errors = scalar[cid]
        assert grade is None
        assert ("entitlements.entitlements", "dependency_failed") in errors or any(
            loc.startswith("entitlements.") for loc, _ in errors)


def test_division_in_a_credit_rule_no_longer_crashes_the_batch() -> None:
    """A credit rule with a division is decided in Python inside the batch, and still feeds
    the entitlements that read credit.grade (the ColumnNotFoundError of issue 18)."""
    engine = gr.Engine.from_packs([hostile_pack("1 / 3 > 0 and arrears_amount > 1000000")],
                                  include_defaults=True)
    scalar, batch = outcomes(engine)
    assert batch == scalar
    result = engine.evaluate_batch(CUSTOMERS, EVENTS, as_of=SAMPLE.as_of)
    assert result.errors.is_empty()
    assert result.decisions.get_column("path").unique().to_list() == ["scalar"]
    assert result.decisions.get_column("entitlements").list.len().sum() > 0


def test_decimal128_overflow_in_polars_sends_the_chunk_to_the_scalar_engine() -> None:
    """A product polars cannot hold (Decimal128) does not stop the batch: same answer as
    evaluate, which computes it exactly."""
    when = "arrears_amount * 0.123456789 * 0.123456789 * 0.123456789 * 0.123456789 > 1"
    engine = gr.Engine.from_packs([hostile_pack(when)])
    scalar, batch = outcomes(engine, ALL_CUSTOMERS, ALL_EVENTS)
    assert batch == scalar
    result = engine.evaluate_batch(ALL_CUSTOMERS, ALL_EVENTS, as_of=SAMPLE.as_of)
    assert any("columnar backend failed" in n for n in result.notes), result.notes


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(prec=st.integers(1, 60),
       rounding=st.sampled_from([decimal.ROUND_DOWN, decimal.ROUND_UP, decimal.ROUND_CEILING,
                                 decimal.ROUND_FLOOR, decimal.ROUND_HALF_DOWN,
                                 decimal.ROUND_05UP]),
       trap_inexact=st.booleans())
def test_the_callers_decimal_context_changes_no_decision(
    prec: int, rounding: str, trap_inexact: bool
) -> None:
    """Any precision, rounding or traps set by the caller give byte-identical decisions."""
    engine = DEFAULT_ENGINE
    by: dict[str, list[dict[str, Any]]] = {}
    for e in SAMPLE.events:
        by.setdefault(e["customer_id"], []).append(
            {k: v for k, v in e.items() if k != "customer_id"})
    ids = [c["id"] for c in SAMPLE.customers[:20]]
    with decimal.localcontext() as ctx:
        ctx.prec, ctx.rounding = prec, rounding
        ctx.traps[decimal.Inexact] = trap_inexact
        got = [engine.evaluate(SAMPLE.customer(i), by.get(i, []), as_of=SAMPLE.as_of)
               .model_dump_json() for i in ids]
        batch = engine.evaluate_batch(list(SAMPLE.customers), [dict(e) for e in SAMPLE.events],
                                      as_of=SAMPLE.as_of).decisions
    assert got == REFERENCE[: len(ids)]
    assert batch.drop("path", "facts_backend").equals(REFERENCE_BATCH)


DEFAULT_ENGINE = gr.Engine.default()


def _reference() -> tuple[list[str], pl.DataFrame]:
    by: dict[str, list[dict[str, Any]]] = {}
    for e in SAMPLE.events:
        by.setdefault(e["customer_id"], []).append(
            {k: v for k, v in e.items() if k != "customer_id"})
    decisions = [DEFAULT_ENGINE.evaluate(c, by.get(c["id"], []), as_of=SAMPLE.as_of)
                 .model_dump_json() for c in SAMPLE.customers[:20]]
    batch = DEFAULT_ENGINE.evaluate_batch(list(SAMPLE.customers),
                                          [dict(e) for e in SAMPLE.events],
                                          as_of=SAMPLE.as_of).decisions
    return decisions, batch.drop("path", "facts_backend")


REFERENCE, REFERENCE_BATCH = _reference()


def test_number_literal_limits_are_the_documented_ones() -> None:
    """The limits refuse exactly what docs/conditions.md says (boundaries included)."""
    ok = [0, LIMIT - 1, -(LIMIT - 1), Decimal("999999999999999999.999999999"),
          Decimal("0.000000001"), Decimal("1.500000000000")]
    bad = [LIMIT, -LIMIT, Decimal("1e18"), Decimal("0.0000000001"), Decimal("NaN"),
           Decimal("Infinity"), Decimal("sNaN")]
    assert [numbers.literal_problem(v) for v in ok] == [None] * len(ok)
    assert all(numbers.literal_problem(v) for v in bad)


def task_pack(outputs: dict[str, Any]) -> dict[str, Any]:
    """A pack with one task decision over new installations."""
    return {"name": "hostile_tasks", "version": "1", "requires": ["credit"],
            "decisions": {"t": {"emits": "task", "over": "events",
                                "event_types": ["installation_archived"], "hit_policy": "collect",
                                "rules": [{"id": "T1", "when": "True", "outputs": {
                                    "kind": "k", "basis": "calendar", **outputs}}]}}}


@pytest.mark.parametrize(
    "pack",
    [
        hostile_pack("arrears_amount >= 0", "= 'E' if arrears_amount >= 0 else 'A'"),
        task_pack({"due": "= None if event.business == 'new' else as_of"}),
        task_pack({"due": "= days_after(event.at, 1)", "kind": "= None"}),
        task_pack({"due": "= days_after(event.at, 1)", "for_year": "= year_of(as_of) + 0.5"}),
        {"name": "hostile_perks", "version": "1", "requires": ["credit"],
         "decisions": {"e": {"emits": "entitlement", "hit_policy": "collect", "rules": [
             {"id": "E1", "when": "True", "outputs": {"code": "= None", "level": "granted"}}]}}},
    ],
    ids=["grade-not-a-choice", "due-none", "kind-none", "for-year-fraction", "code-none"],
)
def test_outputs_breaking_their_declared_type_are_invalid_output(pack: dict[str, Any]) -> None:
    """A formula giving None for a required output, or a text outside its choices, is an
    ``invalid_output`` part error in both backends (not a pydantic/TypeError crash)."""
    engine = gr.Engine.from_packs([pack], include_defaults=True)
    scalar, batch = outcomes(engine, ALL_CUSTOMERS, ALL_EVENTS)
    assert batch == scalar
    kinds = {t for _, errors in scalar.values() for (_, t) in errors}
    assert "invalid_output" in kinds


def test_a_custom_task_running_into_an_uncovered_year_does_not_crash_the_batch() -> None:
    """A customer-level task whose constant deadline lies in 2027 is undetermined for every
    customer, in both backends; the grades and entitlements stand (issue 18's second
    ColumnNotFoundError)."""
    pack = {"name": "far_task", "version": "1", "requires": ["credit"],
            "decisions": {"yearly": {"emits": "task", "over": "customer", "rules": [
                {"id": "Y1", "when": "True", "outputs": {
                    "kind": "yearly_review", "basis": "working_days", "completed_by": None,
                    "due": "= working_days_after(as_of, 300)"}}]}}}
    engine = gr.Engine.from_packs([pack], include_defaults=True)
    scalar, batch = outcomes(engine)
    assert batch == scalar
    assert all(errors == Counter({("far_task.yearly.Y1", "calendar_data_missing"): 1})
               for _, errors in scalar.values())
    assert all(grade is not None for grade, _ in scalar.values())
    result = engine.evaluate_batch(CUSTOMERS, EVENTS, as_of=SAMPLE.as_of)
    assert set(result.tasks.filter(pl.col("kind") == "yearly_review")
               .get_column("status")) == {"undetermined"}


def test_a_rule_leaving_an_output_unset_is_decided_per_customer_not_a_crash() -> None:
    """A replaced key-account rule that gives only some outputs (no default for the others):
    the batch leaves that decision to the scalar engine (a note says so) and agrees."""
    pack = {"name": "partial_ka", "version": "1", "extends": "key_accounts",
            "decisions": {"key_account": {"rules": [
                {"id": "KA-PROFILE", "when": "True", "outputs": {"tier": "= 1 + 1"}}]}}}
    engine = gr.Engine.from_packs([pack], include_defaults=True)
    scalar, batch = outcomes(engine)
    assert batch == scalar
    result = engine.evaluate_batch(CUSTOMERS, EVENTS, as_of=SAMPLE.as_of)
    assert any("leaves key_account" in n for n in result.notes)
