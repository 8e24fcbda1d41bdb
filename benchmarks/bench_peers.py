"""Benchmark: the credit decision in gridcrm_rules vs peer rule engines and hand-written code.

Run from the repository root (not collected by pytest)::

    PYTHONPATH=src python benchmarks/bench_peers.py [--n 100000] [--seed 7]

One process generates N customers' credit *facts* (the five inputs of the
``credit`` decision of RULES.md §2: ``theft_or_violation_3y``, ``arrears_over_2m``,
``arrears_over_1m``, ``arrears_amount`` as a Decimal, ``had_arrears_in_year``),
consistent with the decision's assumptions and covering all five rules
(CR-D, CR-C, CR-B, CR-GAP, CR-A), and grades every one of them with:

* our scalar decision step (``engine/step.py``: grade, rule id and the rule's
  reads per row) on the compiled ``credit`` decision;
* our batch decision step: the same compiled rules turned into polars
  expressions by ``batch/columnar_expr.py`` (grade, rule id, scalar-fallback flag);
* a hand-written Python if-chain (the scalar limit; also the reference grades);
* a hand-written polars ``when/then`` chain (the columnar limit);
* zen-engine (JDM decision table, hit policy first), rule-engine (five
  ``Rule`` objects tried in order), business-rules (``run_all`` with
  ``stop_on_first_trigger``) and durable-rules (one event posted per row).

Input conversion to each engine's native form (dicts, floats for engines that
cannot take a Decimal, a polars DataFrame) and every compile step happen
before timing; a timing covers deciding all rows.  Each figure is the best of
``--runs`` timings (columnar rows: best of ``--columnar-runs``, as one run takes
milliseconds), taken in interleaved rounds -- every engine once, then every engine
again -- so that a slow spell of a shared machine falls on all engines alike.
Two slow per-row paths decide only a prefix of the rows and their per-row time
is taken from it: durable-rules (``--durable-rows``) and zen-engine's
``ZenDecision.evaluate`` (``--zen-decision-rows``).  The cyclic garbage collector
is off while timing (as in ``timeit``) unless ``--keep-gc`` is given.  Every
engine's grades are compared with the if-chain's on every row it decided (ours
also on rule ids and read keys); the process exits with status 1 if any engine
disagrees on any row or fails while running.  A peer that does not import is
skipped, with the reason printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import polars as pl

    from gridcrm_rules.engine.step import DecisionStep

Env = dict[str, Any]
Grade = str | None

FACTS = (
    "theft_or_violation_3y",
    "arrears_over_2m",
    "arrears_over_1m",
    "arrears_amount",
    "had_arrears_in_year",
)
RULE_IDS = ("CR-D", "CR-C", "CR-B", "CR-GAP", "CR-A")

# Row names the report refers to.
SCALAR = "ours: scalar step (grade+rule id+reads)"
FIRST_RULE = "ours: scalar first_rule (grade+rule id)"
BATCH = "ours: batch step (grade+rule id)"
IF_CHAIN = "limit: hand-written if-chain"
POLARS = "limit: hand-written polars when/then"
ZEN_DECISION = "zen-engine: ZenDecision.evaluate"
ZEN_ENGINE = "zen-engine: ZenEngine.evaluate"
ZEN_BATCH = "zen-engine: evaluate_batch"
RULE_ENGINE = "rule-engine: 5 Rules in order"
BUSINESS_RULES = "business-rules: run_all first trigger"
COLUMNAR = frozenset({BATCH, POLARS})

# Arrears profiles: (probability, amount > 0, over 1 month, over 2 months, P(had_arrears_in_year)).
PROFILES = (
    (0.68, False, False, False, 0.0),  # paid every bill on time this year
    (0.13, False, False, False, 1.0),  # paid late this year, nothing owed at the cutoff
    (0.10, True, False, False, 1.0),  # owes a bill not yet a month overdue (CR-GAP)
    (0.05, True, True, False, 0.9),  # over one month overdue
    (0.04, True, True, True, 0.9),  # over two months overdue
)
THEFT_RATE = 0.025

# --------------------------------------------------------------------------- facts


def generate_facts(n: int, seed: int) -> list[Env]:
    """N fact environments with a realistic mix, consistent with the pack's assumptions."""
    rng = np.random.default_rng(seed)
    probs = np.array([p[0] for p in PROFILES])
    profile = rng.choice(len(PROFILES), size=n, p=probs / probs.sum())
    theft = rng.random(n) < THEFT_RATE
    had_draw = rng.random(n)
    cents = np.rint(rng.lognormal(mean=np.log(30_000), sigma=1.2, size=n)).astype(np.int64) + 1
    envs: list[Env] = []
    for i in range(n):
        _, owes, over_1m, over_2m, p_had = PROFILES[int(profile[i])]
        envs.append(
            {
                "theft_or_violation_3y": bool(theft[i]),
                "arrears_over_2m": over_2m,
                "arrears_over_1m": over_1m,
                "arrears_amount": Decimal(int(cents[i])).scaleb(-2) if owes else Decimal("0.00"),
                "had_arrears_in_year": bool(had_draw[i] < p_had),
            }
        )
    return envs


def reference_grade(env: Env) -> Grade:
    """The hand-written if-chain: the credit table in first-hit order, short-circuited."""
    if env["theft_or_violation_3y"] or env["arrears_over_2m"]:
        return "D"
    if env["arrears_over_1m"]:
        return "C"
    amount = env["arrears_amount"]
    if amount == 0 and env["had_arrears_in_year"]:
        return "B"
    if amount > 0:
        return "B"
    if not env["had_arrears_in_year"]:
        return "A"
    return None


def reference_rule(env: Env) -> str | None:
    """The id of the rule that fires (untimed; checks our trace)."""
    if env["theft_or_violation_3y"] or env["arrears_over_2m"]:
        return "CR-D"
    if env["arrears_over_1m"]:
        return "CR-C"
    amount = env["arrears_amount"]
    if amount == 0 and env["had_arrears_in_year"]:
        return "CR-B"
    if amount > 0:
        return "CR-GAP"
    return None if env["had_arrears_in_year"] else "CR-A"


# --------------------------------------------------------------------------- harness


class Skip(Exception):
    """An engine that cannot run here; the message says why."""


@dataclass
class Bench:
    """One engine: convert rows (untimed), decide them (timed), read grades back (untimed)."""

    name: str
    prepare: Callable[[list[Env]], Any]
    run: Callable[[Any], Any]
    grades: Callable[[Any], list[Grade]]
    rule_ids: Callable[[Any], list[str | None]] | None = None
    runs: int = 3
    cap: int | None = None
    note: str = ""
    informational: bool = False


@dataclass
class Result:
    """What one engine measured (or why it did not run)."""

    name: str
    rows: int = 0
    runs: int = 0
    best_s: float = 0.0
    mismatches: int = 0
    rule_mismatches: int | None = None
    note: str = ""
    skipped: str | None = None
    informational: bool = False

    @property
    def us_per_row(self) -> float:
        """Best time per row, in microseconds."""
        return self.best_s / self.rows * 1e6

    @property
    def rows_per_s(self) -> float:
        """Throughput of the best run."""
        return self.rows / self.best_s


def timed(run: Callable[[Any], Any], data: Any, keep_gc: bool) -> tuple[float, Any]:
    """Wall time of one call of ``run(data)`` (cyclic GC off unless ``keep_gc``), and its output."""
    gc.collect()
    if not keep_gc:
        gc.disable()
    try:
        start = time.perf_counter()
        out = run(data)
        return time.perf_counter() - start, out
    finally:
        gc.enable()


def count_diff(got: Sequence[Any], want: Sequence[Any]) -> int:
    """Rows where two equally long sequences differ (a length mismatch counts every row)."""
    if len(got) != len(want):
        return max(len(got), len(want))
    return sum(1 for a, b in zip(got, want, strict=True) if a != b)


@dataclass
class Trial:
    """One engine being measured: its rows in its own form, its best time so far."""

    bench: Bench
    rows: list[Env]
    data: Any
    best: float = float("inf")
    out: Any = None


def measure_all(trials: list[Trial], keep_gc: bool) -> None:
    """Time every engine in interleaved rounds, keeping each one's best.

    Round k times every engine that still has a run left, one after the other, so
    a slow spell of a shared machine falls on all engines alike instead of on the
    one that happened to be running; the ratios are then fairer than timing each
    engine's runs back to back.
    """
    for k in range(max((t.bench.runs for t in trials), default=0)):
        for trial in trials:
            if k < trial.bench.runs:
                trial.out = None  # free the last run's output before timing again
                elapsed, trial.out = timed(trial.bench.run, trial.data, keep_gc)
                trial.best = min(trial.best, elapsed)


def checked(trial: Trial) -> Result:
    """A trial's result, its grades (and our rule ids) checked against the if-chain."""
    bench = trial.bench
    result = Result(bench.name, len(trial.rows), bench.runs, trial.best, note=bench.note,
                    informational=bench.informational)
    result.mismatches = count_diff(bench.grades(trial.out), [reference_grade(e)
                                                             for e in trial.rows])
    if bench.rule_ids is not None:
        result.rule_mismatches = count_diff(bench.rule_ids(trial.out),
                                            [reference_rule(e) for e in trial.rows])
    return result


# --------------------------------------------------------------------------- ours


@cache
def credit_program() -> Any:
    """The compiled program of ``Engine.from_packs(["credit"])``."""
    from gridcrm_rules import Engine

    return Engine.from_packs(["credit"]).program


def credit_decision() -> Any:
    """The compiled ``credit`` decision."""
    return next(d for d in credit_program().decisions if d.name == "credit")


def bench_scalar_step() -> Bench:
    """Our scalar decision step: per row, grade plus the hit's rule id and reads."""
    from gridcrm_rules.engine.step import DecisionStep, StepResult

    decision = credit_decision()
    step = DecisionStep(decision)
    declared = {rule.id: set(rule.reads) for rule in decision.rules}

    def run(rows: list[Env]) -> list[StepResult]:
        return [step(env) for env in rows]

    def grades(out: list[StepResult]) -> list[Grade]:
        return [r.values["grade"] for r in out]

    def rule_ids(out: list[StepResult]) -> list[str | None]:
        # the trace must name the rule and carry exactly the keys its condition reads
        return [
            (h.rule_id if set(h.reads) == declared[h.rule_id] else "reads differ")
            if (h := next(iter(r.hits), None))
            else None
            for r in out
        ]

    return Bench(SCALAR, list, run, grades, rule_ids, note="DecisionStep.__call__")


def bench_scalar_first_rule() -> Bench:
    """Our scalar step's fast path: grade and rule id, no reads (informational)."""
    from gridcrm_rules.engine.step import DecisionStep

    step = DecisionStep(credit_decision())

    def run(rows: list[Env]) -> list[tuple[str | None, Mapping[str, Any]]]:
        return [step.first_rule(env) for env in rows]

    return Bench(
        FIRST_RULE,
        list,
        run,
        lambda out: [values["grade"] for _, values in out],
        lambda out: [rid for rid, _ in out],
        note="DecisionStep.first_rule, no reads",
        informational=True,
    )


def facts_frame(rows: list[Env]) -> Any:
    """The facts as a polars DataFrame (arrears_amount as Decimal(38, 2), as the batch facts)."""
    import polars as pl

    data: dict[str, Any] = {k: [e[k] for e in rows] for k in FACTS}
    data["arrears_amount"] = pl.Series(data["arrears_amount"], dtype=pl.Decimal(38, 2))
    return pl.DataFrame(data)


def bench_batch_step(sample: list[Env]) -> Bench:
    """Our batch step: the engine's own columnar decision step (``compile_decisions``)."""
    try:
        from gridcrm_rules import Engine
        from gridcrm_rules.batch.decide import SCALAR, ColumnarPlan, compile_decisions
        from gridcrm_rules.engine.step import DecisionStep
        from gridcrm_rules.functions import FUNCTIONS, EvalContext
    except ImportError as exc:
        raise Skip(f"cannot import the columnar compiler: {exc}") from None
    engine = Engine.from_packs(["credit"])
    decision = next(d for d in engine.program.decisions if d.name == "credit")
    schema = facts_frame(sample[:1]).schema
    as_of = datetime(2026, 11, 22, 9, tzinfo=timezone(timedelta(hours=8)))
    plan = ColumnarPlan(engine.program, FUNCTIONS, EvalContext(engine.calendar), as_of,
                        as_of.date())
    try:  # compiled once per engine and frame schema, as the batch engine caches it
        compiled = compile_decisions(schema, plan)
    except Exception as exc:  # the compiler's API moved or it refuses a rule: say so
        raise Skip(f"compile_decisions failed: {type(exc).__name__}: {exc}") from None
    if compiled.notes:
        raise Skip("; ".join(compiled.notes))
    step = DecisionStep(decision)

    def run(frame: Any) -> Any:
        out = compiled.apply(frame).rename(
            {"credit.grade": "grade", "credit.__rule_id": "rule_id", SCALAR: "__scalar"})
        if out.get_column("__scalar").any():  # rows the scalar engine must decide
            out = _scalar_fallback(out, step)
        return out

    return Bench(
        BATCH,
        facts_frame,
        run,
        lambda out: out.get_column("grade").to_list(),
        lambda out: out.get_column("rule_id").to_list(),
        note="batch/decide.compile_decisions: one rule-index chain; reads = the fact columns",
    )


def _scalar_fallback(out: pl.DataFrame, step: DecisionStep) -> pl.DataFrame:
    """Re-decide flagged rows with the scalar step, as the batch engine routes them."""
    import polars as pl

    flagged = out.with_row_index("__i").filter(pl.col("__scalar"))
    grades = out.get_column("grade").to_list()
    ids = out.get_column("rule_id").to_list()
    for row in flagged.iter_rows(named=True):
        result = step({k: row[k] for k in FACTS})
        grades[row["__i"]] = result.values["grade"]
        ids[row["__i"]] = result.hits[0].rule_id if result.hits else None
    return out.with_columns(pl.Series("grade", grades), pl.Series("rule_id", ids))


# --------------------------------------------------------------------------- limits


def bench_if_chain() -> Bench:
    """Hand-written Python if-chain over the same env dicts (the scalar limit)."""

    def run(rows: list[Env]) -> list[Grade]:
        return [reference_grade(env) for env in rows]

    return Bench(IF_CHAIN, list, run, list, note="grade only")


def bench_polars_chain() -> Bench:
    """Hand-written ``pl.when`` chain over the facts frame (the columnar limit)."""
    try:
        import polars as pl
    except ImportError as exc:
        raise Skip(f"polars not installed: {exc}") from None
    c = pl.col
    expr = (
        pl.when(c("theft_or_violation_3y") | c("arrears_over_2m"))
        .then(pl.lit("D"))
        .when(c("arrears_over_1m"))
        .then(pl.lit("C"))
        .when((c("arrears_amount") == 0) & c("had_arrears_in_year"))
        .then(pl.lit("B"))
        .when(c("arrears_amount") > 0)
        .then(pl.lit("B"))
        .when(~c("had_arrears_in_year"))
        .then(pl.lit("A"))
        .otherwise(pl.lit(None, pl.String))
        .alias("grade")
    )

    def run(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(expr)

    return Bench(
        POLARS, facts_frame, run, lambda out: out.get_column("grade").to_list(), note="grade only"
    )


# --------------------------------------------------------------------------- peers

# Credit table as zen cells (a DNF: CR-D is two rows), in first-hit order.
ZEN_ROWS: tuple[tuple[str, dict[str, str], str], ...] = (
    ("CR-D/theft", {"theft_or_violation_3y": "true"}, "D"),
    ("CR-D/2m", {"arrears_over_2m": "true"}, "D"),
    ("CR-C", {"theft_or_violation_3y": "false", "arrears_over_1m": "true"}, "C"),
    (
        "CR-B",
        {"theft_or_violation_3y": "false", "arrears_amount": "== 0", "had_arrears_in_year": "true"},
        "B",
    ),
    (
        "CR-GAP",
        {"theft_or_violation_3y": "false", "arrears_amount": "> 0", "arrears_over_1m": "false"},
        "B",
    ),
    ("CR-A", {"theft_or_violation_3y": "false", "had_arrears_in_year": "false"}, "A"),
)


def zen_content() -> dict[str, Any]:
    """A JDM graph: input -> decision table (hit policy first) -> output."""
    table = {
        "hitPolicy": "first",
        "inputs": [{"id": f"in_{k}", "name": k, "field": k} for k in FACTS],
        "outputs": [{"id": "out_grade", "name": "grade", "field": "grade"}],
        "rules": [
            {
                "_id": rid,
                **{f"in_{k}": cells.get(k, "") for k in FACTS},
                "out_grade": json.dumps(grade),
            }
            for rid, cells, grade in ZEN_ROWS
        ],
    }
    xy = {"x": 0, "y": 0}
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "Request", "position": xy},
            {
                "id": "credit",
                "type": "decisionTableNode",
                "name": "credit",
                "position": xy,
                "content": table,
            },
            {"id": "response", "type": "outputNode", "name": "Response", "position": xy},
        ],
        "edges": [
            {"id": "e1", "type": "edge", "sourceId": "request", "targetId": "credit"},
            {"id": "e2", "type": "edge", "sourceId": "credit", "targetId": "response"},
        ],
    }


def float_rows(rows: list[Env]) -> list[Env]:
    """Rows with arrears_amount as float, for engines that reject Decimal (exact at 2 dp vs 0)."""
    return [{**e, "arrears_amount": float(e["arrears_amount"])} for e in rows]


def _zen() -> Any:
    try:
        import zen
    except ImportError as exc:
        raise Skip(f"zen-engine does not import: {exc}") from None
    return zen


def bench_zen_decision(cap: int | None) -> Bench:
    """zen-engine: ``ZenEngine().create_decision(content).evaluate(context)`` per row.

    In zen-engine 2.1.3 this call costs a few hundred µs even for an empty graph, so
    its rows can be capped (``--zen-decision-rows``) like durable-rules'.
    """
    zen = _zen()
    decision = zen.ZenEngine().create_decision(json.dumps(zen_content()))

    def run(rows: list[Env]) -> list[Any]:
        return [decision.evaluate(ctx) for ctx in rows]

    note = "create_decision once, sync evaluate per row"
    if cap is not None:
        note += f"; first {cap:,} rows, per-row time scaled"
    return Bench(
        ZEN_DECISION,
        float_rows,
        run,
        lambda out: [r["result"].get("grade") for r in out],
        cap=cap,
        note=note,
    )


def bench_zen_engine() -> Bench:
    """zen-engine: ``ZenEngine(static loader).evaluate(key, context)`` per row."""
    zen = _zen()
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"credit": zen_content()}}})

    def run(rows: list[Env]) -> list[Any]:
        return [engine.evaluate("credit", ctx) for ctx in rows]

    return Bench(
        ZEN_ENGINE,
        float_rows,
        run,
        lambda out: [r["result"].get("grade") for r in out],
        note="static loader, sync evaluate per row",
    )


def bench_zen_batch() -> Bench:
    """zen-engine's own batch call (worker pool; informational, not a per-row call)."""
    zen = _zen()
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"credit": zen_content()}}})

    def prepare(rows: list[Env]) -> list[dict[str, Any]]:
        return [{"key": "credit", "context": ctx} for ctx in float_rows(rows)]

    def run(requests: list[dict[str, Any]]) -> list[Any]:
        return engine.evaluate_batch(requests)  # type: ignore[no-any-return]

    return Bench(
        ZEN_BATCH,
        prepare,
        run,
        lambda out: [
            r["data"]["result"].get("grade") if r.get("success") else "error" for r in out
        ],
        note="Rust worker pool, all cores",
        informational=True,
    )


def bench_rule_engine() -> Bench:
    """rule-engine: five ``Rule`` objects (the pack's own texts) tried in order per row."""
    try:
        import rule_engine  # type: ignore[import-untyped]
    except ImportError as exc:
        raise Skip(f"rule-engine does not import: {exc}") from None
    texts = (
        ("D", "theft_or_violation_3y or arrears_over_2m"),
        ("C", "not theft_or_violation_3y and arrears_over_1m"),
        ("B", "not theft_or_violation_3y and arrears_amount == 0 and had_arrears_in_year"),
        ("B", "not theft_or_violation_3y and arrears_amount > 0 and not arrears_over_1m"),
        ("A", "not theft_or_violation_3y and not had_arrears_in_year"),
    )
    rules = tuple((grade, rule_engine.Rule(text).matches) for grade, text in texts)

    def decide(env: Env) -> Grade:
        for grade, matches in rules:
            if matches(env):
                return grade
        return None

    def run(rows: list[Env]) -> list[Grade]:
        return [decide(env) for env in rows]

    return Bench(RULE_ENGINE, list, run, list, note="Decimal amounts as given")


def business_rules_setup() -> tuple[list[dict[str, Any]], type, type]:
    """The credit table as business-rules JSON, and its variables and actions classes."""
    from business_rules.actions import (  # type: ignore[import-untyped]
        BaseActions,
        rule_action,
    )
    from business_rules.fields import FIELD_TEXT  # type: ignore[import-untyped]
    from business_rules.variables import (  # type: ignore[import-untyped]
        BaseVariables,
        boolean_rule_variable,
        numeric_rule_variable,
    )

    class CreditVariables(BaseVariables):  # type: ignore[misc]
        def __init__(self, env: Env) -> None:
            self.env = env

        @boolean_rule_variable  # type: ignore[untyped-decorator]
        def theft_or_violation_3y(self) -> bool:
            return bool(self.env["theft_or_violation_3y"])

        @boolean_rule_variable  # type: ignore[untyped-decorator]
        def arrears_over_2m(self) -> bool:
            return bool(self.env["arrears_over_2m"])

        @boolean_rule_variable  # type: ignore[untyped-decorator]
        def arrears_over_1m(self) -> bool:
            return bool(self.env["arrears_over_1m"])

        @numeric_rule_variable  # type: ignore[untyped-decorator]
        def arrears_amount(self) -> Decimal:
            return self.env["arrears_amount"]  # type: ignore[no-any-return]

        @boolean_rule_variable  # type: ignore[untyped-decorator]
        def had_arrears_in_year(self) -> bool:
            return bool(self.env["had_arrears_in_year"])

    class CreditActions(BaseActions):  # type: ignore[misc]
        def __init__(self) -> None:
            self.grade: Grade = None

        @rule_action(params={"grade": FIELD_TEXT})  # type: ignore[untyped-decorator]
        def set_grade(self, grade: str) -> None:
            self.grade = grade

    def cond(name: str, op: str, value: Any = True) -> dict[str, Any]:
        return {"name": name, "operator": op, "value": value}

    def rule(grade: str, conditions: dict[str, Any]) -> dict[str, Any]:
        return {
            "conditions": conditions,
            "actions": [{"name": "set_grade", "params": {"grade": grade}}],
        }

    no_theft = cond("theft_or_violation_3y", "is_false")
    rules = [
        rule(
            "D",
            {"any": [cond("theft_or_violation_3y", "is_true"), cond("arrears_over_2m", "is_true")]},
        ),
        rule("C", {"all": [no_theft, cond("arrears_over_1m", "is_true")]}),
        rule(
            "B",
            {
                "all": [
                    no_theft,
                    cond("arrears_amount", "equal_to", 0),
                    cond("had_arrears_in_year", "is_true"),
                ]
            },
        ),
        rule(
            "B",
            {
                "all": [
                    no_theft,
                    cond("arrears_amount", "greater_than", 0),
                    cond("arrears_over_1m", "is_false"),
                ]
            },
        ),
        rule("A", {"all": [no_theft, cond("had_arrears_in_year", "is_false")]}),
    ]
    return rules, CreditVariables, CreditActions


def bench_business_rules() -> Bench:
    """business-rules: ``run_all(..., stop_on_first_trigger=True)`` per row."""
    try:
        from business_rules import run_all  # type: ignore[import-untyped]
    except ImportError as exc:
        raise Skip(f"business-rules does not import: {exc}") from None
    rules, variables, actions = business_rules_setup()

    def decide(env: Env) -> Grade:
        act = actions()
        run_all(rules, variables(env), act, stop_on_first_trigger=True)
        return act.grade  # type: ignore[no-any-return]

    def run(rows: list[Env]) -> list[Grade]:
        return [decide(env) for env in rows]

    return Bench(BUSINESS_RULES, list, run, list, note="variables/actions objects per row")


def _recorder(grades: dict[int, str], grade: str) -> Callable[[Any], None]:
    """A durable-rules action that records ``grade`` for the event's row."""

    def action(c: Any) -> None:
        grades[c.m.rid] = grade

    return action


def bench_durable(cap: int) -> Bench:
    """durable-rules: one event posted per row; the matching rule's action records the grade."""
    try:
        from durable.lang import (  # type: ignore[import-untyped]
            m,
            post,
            ruleset,
            when_all,
        )
    except Exception as exc:  # its native module can fail to load, not only ImportError
        raise Skip(f"durable-rules does not import: {exc}") from None
    grades: dict[int, str] = {}
    name = f"credit_bench_{time.time_ns()}"
    # durable has no first-hit policy: each rule is its table row with the earlier rows'
    # conditions negated, so exactly one rule matches a consistent row.  The DSL needs
    # ``==`` against True/False: it builds a condition object, not a bool.
    ok = (m.theft == False) & (m.over2m == False)  # noqa: E712
    rules = (
        ("D", (m.theft == True) | (m.over2m == True)),  # noqa: E712
        ("C", ok & (m.over1m == True)),  # noqa: E712
        ("B", ok & (m.over1m == False) & (m.amount == 0) & (m.had == True)),  # noqa: E712
        ("B", ok & (m.over1m == False) & (m.amount > 0)),  # noqa: E712
        ("A", ok & (m.over1m == False) & (m.amount <= 0) & (m.had == False)),  # noqa: E712
    )
    with ruleset(name):
        for grade, condition in rules:
            when_all(condition)(_recorder(grades, grade))

    def prepare(rows: list[Env]) -> list[dict[str, Any]]:
        return [
            {
                "rid": i,
                "theft": e["theft_or_violation_3y"],
                "over2m": e["arrears_over_2m"],
                "over1m": e["arrears_over_1m"],
                "amount": float(e["arrears_amount"]),
                "had": e["had_arrears_in_year"],
            }
            for i, e in enumerate(rows)
        ]

    def run(events: list[dict[str, Any]]) -> list[Grade]:
        grades.clear()
        for event in events:
            post(name, event)
        return [grades.get(i) for i in range(len(events))]

    return Bench(
        f"durable-rules: post per row (first {cap:,})",
        prepare,
        run,
        list,
        cap=cap,
        note="per-row time from the capped rows",
    )


# --------------------------------------------------------------------------- report


def ratio(ours: Result | None, other: Result) -> str:
    """Throughput of ours divided by the other's (``6.3×`` = ours is 6.3 times faster)."""
    if ours is None or ours.skipped or other.skipped:
        return "-"
    return times(other.us_per_row / ours.us_per_row)


def times(x: float) -> str:
    """A ratio for the table: two decimals, three significant digits below 0.1."""
    if x >= 100:
        return f"{x:,.0f}×"
    return f"{x:.2f}×" if x >= 0.1 else f"{x:.2g}×"


def print_table(results: list[Result]) -> None:
    """One line per engine: time per row, throughput, mismatches, ratios of ours to it."""
    by = {r.name: r for r in results}
    scalar, batch = by.get(SCALAR), by.get(BATCH)
    head = (
        f"{'engine':<44} {'rows':>8} {'runs':>4} {'µs/row':>10} {'rows/s':>13} "
        f"{'grade≠':>6} {'rule≠':>6} {'scalar÷':>8} {'batch÷':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        if r.skipped:
            print(f"{r.name:<44} skipped: {r.skipped}")
            continue
        rule = "-" if r.rule_mismatches is None else str(r.rule_mismatches)
        mark = " (info)" if r.informational else ""
        print(
            f"{r.name:<44} {r.rows:>8,} {r.runs:>4} {r.us_per_row:>10.3f} "
            f"{r.rows_per_s:>13,.0f} {r.mismatches:>6} {rule:>6} "
            f"{ratio(scalar, r):>8} {ratio(batch, r):>8}{mark}"
        )
    print(
        "\nscalar÷ / batch÷: throughput of our scalar / batch step divided by that row's "
        "(>1 = ours faster)."
    )
    for r in results:
        if r.note and not r.skipped:
            print(f"  {r.name}: {r.note}")


def print_ratios(results: list[Result]) -> None:
    """Ours vs each peer and limit, in words."""
    by = {r.name: r for r in results}
    for ours_name, label in ((SCALAR, "scalar step"), (BATCH, "batch step")):
        ours = by.get(ours_name)
        if ours is None or ours.skipped:
            continue
        for r in results:
            if r.name.startswith("ours") or r.skipped:
                continue
            print(f"  {label} is {times(r.us_per_row / ours.us_per_row)} {r.name}")


def target(label: str, got: float | None, want: float, *, at_most: bool = False) -> None:
    """Print PASS/MISS for one target, or n/a when it could not be measured."""
    if got is None:
        print(f"  n/a   {label}: not measured")
        return
    ok = got <= want if at_most else got >= want
    sign = "≤" if at_most else "≥"
    print(f"  {'PASS' if ok else 'MISS'}  {label}: {got:.2f}× (target {sign} {want}×)")


def speedup(results: Mapping[str, Result], ours: str, other: str) -> float | None:
    """Throughput ratio ours/other, or None if either did not run."""
    a, b = results.get(ours), results.get(other)
    if a is None or b is None or a.skipped or b.skipped:
        return None
    return b.us_per_row / a.us_per_row


def print_targets(results: list[Result]) -> None:
    """The three targets, with the zen target against both per-row zen paths."""
    by = {r.name: r for r in results}
    durable = next((r.name for r in results if r.name.startswith("durable")), "")
    target(
        "scalar step vs zen-engine ZenDecision.evaluate (the prescribed path)",
        speedup(by, SCALAR, ZEN_DECISION),
        4,
    )
    target(
        "scalar step vs zen-engine ZenEngine.evaluate (zen's fastest per-row path)",
        speedup(by, SCALAR, ZEN_ENGINE),
        4,
    )
    target("scalar step vs durable-rules", speedup(by, SCALAR, durable), 20)
    slow = speedup(by, POLARS, BATCH)  # batch time / polars time
    target("batch step time ÷ hand-written polars time", slow, 1.5, at_most=True)


def print_environment(n: int, seed: int, envs: list[Env]) -> None:
    """Python, packages, and the rule mix of the generated facts."""
    import gridcrm_rules

    print(f"Python {sys.version.split()[0]} on {platform.platform()} ({platform.processor()})")
    pkgs = ("polars", "numpy", "zen-engine", "rule-engine", "business-rules", "durable_rules")
    print(f"gridcrm_rules from {Path(gridcrm_rules.__file__).parent} ({_version('gridcrm-rules')})")
    print("packages: " + ", ".join(f"{p} {_version(p)}" for p in pkgs))
    mix: dict[str | None, int] = {}
    for env in envs:
        rid = reference_rule(env)
        mix[rid] = mix.get(rid, 0) + 1
    shares = ", ".join(f"{k} {mix.get(k, 0) / n:.1%}" for k in (*RULE_IDS, None) if mix.get(k))
    print(f"N = {n:,} customers' facts, seed {seed}; rules that fire: {shares}\n")


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed as a distribution"


# --------------------------------------------------------------------------- main


def benches(args: argparse.Namespace, envs: list[Env]) -> Iterable[tuple[str, Callable[[], Bench]]]:
    """Every engine, in table order, as (name, factory); a factory may raise Skip."""
    yield SCALAR, bench_scalar_step
    yield FIRST_RULE, bench_scalar_first_rule
    yield BATCH, lambda: bench_batch_step(envs)
    yield IF_CHAIN, bench_if_chain
    yield POLARS, bench_polars_chain
    yield ZEN_DECISION, lambda: bench_zen_decision(args.zen_decision_rows or None)
    yield ZEN_ENGINE, bench_zen_engine
    yield ZEN_BATCH, bench_zen_batch
    yield RULE_ENGINE, bench_rule_engine
    yield BUSINESS_RULES, bench_business_rules
    yield (
        f"durable-rules: post per row (first {args.durable_rows:,})",
        lambda: bench_durable(args.durable_rows),
    )


def run_all_benches(args: argparse.Namespace, envs: list[Env]) -> list[Result]:
    """Prepare every engine, time them in interleaved rounds, check their grades."""
    results: dict[str, Result] = {}
    trials: list[Trial] = []
    for name, factory in benches(args, envs):
        try:
            bench = factory()
            bench.runs = args.columnar_runs if name in COLUMNAR else args.runs
            rows = envs if bench.cap is None else envs[: bench.cap]
            trials.append(Trial(bench, rows, bench.prepare(rows)))
        except Skip as exc:
            results[name] = Result(name, skipped=str(exc))
            print(f"{name}: skipped: {exc}", file=sys.stderr)
    try:
        measure_all(trials, args.keep_gc)
    except Exception as exc:  # a peer that breaks at run time: find which, fail its row loudly
        print(f"a run failed ({type(exc).__name__}: {exc}); timing engines one by one",
              file=sys.stderr)
        for trial in trials:
            try:
                measure_all([trial], args.keep_gc)
            except Exception as exc:
                results[trial.bench.name] = Result(trial.bench.name,
                                                   skipped=f"failed: {type(exc).__name__}: {exc}")
                results[trial.bench.name].mismatches = -1
    for trial in trials:
        if trial.bench.name not in results:
            results[trial.bench.name] = checked(trial)
    ordered = [results[name] for name, _ in benches(args, envs) if name in results]
    for result in ordered:
        shown = result.skipped or f"{result.us_per_row:.3f} µs/row"
        print(f"{result.name}: {shown}", file=sys.stderr)
    return ordered


def main() -> int:
    """Parse arguments, run every engine, print the table, ratios and targets."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="customers (rows)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated facts")
    parser.add_argument("--runs", type=int, default=3, help="timings per row engine (best kept)")
    parser.add_argument(
        "--columnar-runs", type=int, default=10, help="timings per polars engine (best kept)"
    )
    parser.add_argument(
        "--durable-rows", type=int, default=5_000, help="rows given to durable-rules (it is slow)"
    )
    parser.add_argument(
        "--zen-decision-rows",
        type=int,
        default=10_000,
        help="rows given to ZenDecision.evaluate (slow per call); 0 = all",
    )
    parser.add_argument("--keep-gc", action="store_true", help="leave the GC on while timing")
    args = parser.parse_args()

    envs = generate_facts(args.n, args.seed)
    print_environment(args.n, args.seed, envs)
    results = run_all_benches(args, envs)
    print_table(results)
    print("\nratios (throughput, ours ÷ other):")
    print_ratios(results)
    print("\ntargets:")
    print_targets(results)
    failed = [r.name for r in results if r.mismatches or (r.rule_mismatches or 0)]
    if failed:
        print(f"\nFAIL: grades or rule ids differ from the if-chain in: {', '.join(failed)}")
        return 1
    print("\nall engines that ran agree with the if-chain on every row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
