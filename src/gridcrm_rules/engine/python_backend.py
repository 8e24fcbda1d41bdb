"""The per-customer Python backend: closures, decision steps, Python fact functions.

It implements :class:`gridcrm_rules.backend.Backend` with the pieces
``Engine.evaluate`` is built from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..expr import ir
from ..expr.check import Binding
from ..expr.compile import Compiled, compile_expr
from ..expr.functions import FunctionSpec
from ..facts import FactContext, FactProvider
from ..functions import FUNCTIONS
from .build import Program
from .step import DecisionStep

__all__ = ["PythonBackend"]

PythonFacts = Callable[[FactContext], Mapping[str, Any]]


@dataclass(frozen=True)
class PythonBackend:
    """Conditions as ``env -> value`` closures, each table as a :class:`DecisionStep`."""

    functions: Mapping[str, FunctionSpec] = field(default_factory=lambda: FUNCTIONS)

    @property
    def name(self) -> str:
        """``python``."""
        return "python"

    def compile_condition(self, node: ir.Node, schema: Mapping[str, Binding]) -> Compiled:
        """A closure computing ``node`` from an environment mapping canonical keys."""
        return compile_expr(node, schema, self.functions)

    def compile_decisions(self, program: Program) -> tuple[DecisionStep, ...]:
        """One step per decision, in evaluation order."""
        return tuple(DecisionStep(d) for d in program.decisions)

    def facts(self, provider: FactProvider) -> PythonFacts:
        """The provider's own Python function (every provider has one)."""
        return provider.compute
