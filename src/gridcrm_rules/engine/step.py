"""The scalar decision step on its own: facts in, outputs and trace out.

:meth:`Engine.evaluate <gridcrm_rules.engine.Engine.evaluate>` validates input,
computes facts and builds pydantic result models around every decision.  A
caller that already holds the facts (a benchmark, a service re-deciding after
one fact changed, the batch backend's per-row fallback) only needs the middle:
try the rules of one :class:`~gridcrm_rules.engine.build.CompiledDecision` in
order and report which fired, what they gave and what they read.  That is this
module.  It applies the same hit policies as the engine (the engine runs through
:meth:`DecisionStep.matches`) and raises the same
:class:`~gridcrm_rules.errors.EvaluationError`, but returns plain tuples and
dicts.  The rules run as the decision's generated kernel
(:mod:`gridcrm_rules.engine.kernel`): one Python function per table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from ..errors import EvaluationError
from .build import CompiledDecision, CompiledRule
from .kernel import StepHit, StepResult

__all__ = ["DecisionStep", "StepHit", "StepResult"]


class DecisionStep:
    """One compiled decision, ready to run on an environment mapping.

    ``day`` fixes which rules are in force (their ``effective_from/to``); the
    environment maps canonical names (``arrears_amount``, ``customer.category``,
    ``params.year_window``) to values, as the engine's environment does.

    >>> from gridcrm_rules import Engine
    >>> engine = Engine.default()
    >>> credit = engine.program.filling("credit")
    >>> step = DecisionStep(credit)
    >>> facts = {"theft_or_violation_3y": False, "arrears_over_2m": False,
    ...          "arrears_over_1m": False, "arrears_amount": 0, "had_arrears_in_year": False}
    >>> step(facts).values["grade"], step(facts).rule_ids
    ('A', ('CR-A',))
    """

    __slots__ = ("_active", "_by_id", "_default", "_first", "_matches", "_policy", "decision")

    def __init__(self, decision: CompiledDecision, *, day: date | None = None) -> None:
        self.decision = decision
        self._active: tuple[bool, ...] = tuple(
            day is None or r.active_on(day) for r in decision.rules
        )
        self._policy = decision.spec.hit_policy
        self._first = decision.kernel.first
        self._matches = decision.kernel.matches
        self._default = dict(decision.default)
        self._by_id = {r.id: r for r in decision.rules}

    def __call__(self, env: Mapping[str, Any]) -> StepResult:
        """Run the rules over ``env``; raise EvaluationError as the engine would."""
        if self._first is not None:
            return self._first(env, self._active)
        matched = self.matches(env)
        values = dict(self._default)
        if matched and self._policy != "collect":
            values.update(matched[0][1])
        hits = tuple(
            StepHit(rule.id, MappingProxyType(outputs), {k: env[k] for k in rule.reads})
            for rule, outputs in matched
        )
        return StepResult(hits, MappingProxyType(values))

    def matches(self, env: Mapping[str, Any]) -> list[tuple[CompiledRule, dict[str, Any]]]:
        """The rules the hit policy selects, with their outputs (the engine's core).

        ``first``: the first rule that holds; ``unique``: the one that holds (two
        is an EvaluationError naming both); ``priority``: the highest priority
        (ties: the first); ``collect``: every rule that holds.
        """
        if self._first is not None:
            result = self._first(env, self._active)
            return [(self._by_id[h.rule_id], dict(h.outputs)) for h in result.hits]
        rules = self.decision.rules
        matched = [(rules[i], outputs) for i, outputs in self._matches(env, self._active)]
        if self._policy == "unique" and len(matched) > 1:
            d = self.decision
            ids = ", ".join(r.id for r, _ in matched)
            raise EvaluationError(
                f"hit policy 'unique' but {len(matched)} rules match: {ids}",
                loc=(d.pack.name, d.name), type="unique_violated",
                values={"matching rules": ids},
            )
        if self._policy == "priority" and matched:
            best = max(r.priority for r, _ in matched)
            matched = [next(h for h in matched if h[0].priority == best)]
        return matched

    def first_rule(self, env: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
        """(id of the rule that fired, or None; the decision's values), for callers
        that need no trace (``first`` tables: the first rule that holds)."""
        result = self._first(env, self._active) if self._first is not None else self(env)
        return (result.hits[0].rule_id if result.hits else None), result.values
