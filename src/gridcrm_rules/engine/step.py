"""The scalar decision step on its own: facts in, outputs and trace out.

:meth:`Engine.evaluate <gridcrm_rules.engine.Engine.evaluate>` validates input,
computes facts and builds pydantic result models around every decision.  A
caller that already holds the facts (a benchmark, a service re-deciding after
one fact changed, the batch backend's per-row fallback) only needs the middle:
try the rules of one :class:`~gridcrm_rules.engine.build.CompiledDecision` in
order and report which fired, what they gave and what they read.  That is this
module.  It applies the same hit policies as the engine and raises the same
:class:`~gridcrm_rules.errors.EvaluationError`, but returns plain tuples and
dicts, so a decision costs a few closure calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, NamedTuple

from ..errors import EvaluationError
from .build import CompiledDecision, CompiledRule

__all__ = ["DecisionStep", "StepHit", "StepResult"]


class StepHit(NamedTuple):
    """One rule that fired: its id, the outputs it gave and the values it read."""

    rule_id: str
    outputs: Mapping[str, Any]
    reads: Mapping[str, Any]


class StepResult(NamedTuple):
    """What one decision gave: the rules that fired and the decision's values.

    ``values`` are the decision's defaults updated with the first hit's outputs
    (for every hit policy but ``collect``), exactly as the engine stores them.
    Immutable value records (named tuples: cheap to build on a per-row path).
    """

    hits: tuple[StepHit, ...]
    values: Mapping[str, Any]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules that fired, in table order."""
        return tuple(h.rule_id for h in self.hits)


class DecisionStep:
    """One compiled decision, ready to run on an environment mapping.

    ``day`` fixes which rules are in force (their ``effective_from/to``); the
    environment maps canonical names (``arrears_amount``, ``customer.category``,
    ``params.year_window``) to values, as the engine's environment does.

    >>> from gridcrm_rules import Engine
    >>> engine = Engine.default()
    >>> credit = next(d for d in engine.program.decisions if d.name == "credit")
    >>> step = DecisionStep(credit)
    >>> facts = {"theft_or_violation_3y": False, "arrears_over_2m": False,
    ...          "arrears_over_1m": False, "arrears_amount": 0, "had_arrears_in_year": False}
    >>> step(facts).values["grade"], step(facts).rule_ids
    ('A', ('CR-A',))
    """

    __slots__ = ("_default", "_first", "_policy", "_rules", "decision")

    def __init__(self, decision: CompiledDecision, *, day: date | None = None) -> None:
        self.decision = decision
        rules = tuple(r for r in decision.rules if day is None or r.active_on(day))
        self._rules: tuple[CompiledRule, ...] = rules
        self._policy = decision.spec.hit_policy
        self._first = self._policy == "first"
        self._default = dict(decision.default)

    def __call__(self, env: Mapping[str, Any]) -> StepResult:
        """Run the rules over ``env``; raise EvaluationError as the engine would."""
        if self._first:
            return self._first_hit(env)
        matched = self.matches(env)
        values = dict(self._default)
        if matched and self._policy != "collect":
            values.update(matched[0][1])
        hits = tuple(
            StepHit(rule.id, outputs, {k: env[k] for k in rule.reads}) for rule, outputs in matched
        )
        return StepResult(hits, values)

    def matches(self, env: Mapping[str, Any]) -> list[tuple[CompiledRule, dict[str, Any]]]:
        """The rules the hit policy selects, with their outputs (the engine's core).

        ``first``: the first rule that holds; ``unique``: the one that holds (two
        is an EvaluationError naming both); ``priority``: the highest priority
        (ties: the first); ``collect``: every rule that holds.
        """
        d = self.decision
        matched: list[tuple[CompiledRule, dict[str, Any]]] = []
        for rule in self._rules:
            try:
                if not rule.when(env):
                    continue
                outputs = {name: fn(env) for name, fn in rule.outputs}
            except EvaluationError as exc:
                raise EvaluationError(str(exc), loc=(d.pack.name, d.name, rule.id)) from None
            matched.append((rule, outputs))
            if self._first:
                break
        if self._policy == "unique" and len(matched) > 1:
            ids = ", ".join(r.id for r, _ in matched)
            raise EvaluationError(
                f"hit policy 'unique' but {len(matched)} rules match: {ids}",
                loc=(d.pack.name, d.name),
            )
        if self._policy == "priority" and matched:
            best = max(r.priority for r, _ in matched)
            matched = [next(h for h in matched if h[0].priority == best)]
        return matched

    def first_rule(self, env: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
        """Fast path for ``first`` tables: (rule id or None, values), no trace.

        Falls back to :meth:`__call__` for the other hit policies.
        """
        if not self._first:
            result = self(env)
            return (result.hits[0].rule_id if result.hits else None), result.values
        d = self.decision
        for rule in self._rules:
            try:
                if rule.when(env):
                    values = dict(self._default)
                    for name, fn in rule.outputs:
                        values[name] = fn(env)
                    return rule.id, values
            except EvaluationError as exc:
                raise EvaluationError(str(exc), loc=(d.pack.name, d.name, rule.id)) from None
        return None, dict(self._default)

    def _first_hit(self, env: Mapping[str, Any]) -> StepResult:
        """Hit policy ``first``: the common case, without collecting a list."""
        for rule in self._rules:
            try:
                if not rule.when(env):
                    continue
                outputs = {name: fn(env) for name, fn in rule.outputs}
            except EvaluationError as exc:
                d = self.decision
                raise EvaluationError(str(exc), loc=(d.pack.name, d.name, rule.id)) from None
            reads = {k: env[k] for k in rule.reads}
            return StepResult((StepHit(rule.id, outputs, reads),), {**self._default, **outputs})
        return StepResult((), dict(self._default))
