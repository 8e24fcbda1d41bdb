"""The ``Backend`` interface: what every way of running a program provides.

A backend turns the checked IR of a pack into something it can run, and knows
how to compute the facts: compile a condition, compile the decision tables of a
program, provide the facts of a fact provider.  Two implementations exist:

* :class:`gridcrm_rules.engine.python_backend.PythonBackend` -- per customer,
  conditions as Python closures, decision tables as :class:`DecisionStep`, facts
  from each provider's Python function (what ``Engine.evaluate`` runs);
* :class:`gridcrm_rules.batch.polars_backend.PolarsBackend` -- columnar,
  conditions as polars expressions, all tables as one :class:`CompiledColumnar`,
  facts from a provider's columnar twin where it has one (what
  ``evaluate_batch`` runs).

Both compile from the same IR (``CompiledRule.when_ir``/``output_nodes``) and read
the same windows (:mod:`gridcrm_rules.windows`); a further backend (live,
event by event; a faster scalar path) implements this protocol rather than copying
either.  tests/test_backend.py is the contract every implementation passes, and
docs/architecture.md says how to add one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from .engine import Program
    from .expr import ir
    from .expr.check import Binding
    from .facts import FactProvider

__all__ = ["Backend"]

Condition = TypeVar("Condition", covariant=True)
Tables = TypeVar("Tables", covariant=True)
Facts = TypeVar("Facts", covariant=True)


@runtime_checkable
class Backend(Protocol[Condition, Tables, Facts]):
    """What a backend provides; its three type parameters are what it compiles to."""

    @property
    def name(self) -> str:
        """A short name for traces and notes (``python``, ``polars``)."""
        ...

    def compile_condition(self, node: ir.Node, schema: Mapping[str, Binding]) -> Condition:
        """One checked condition or formula (its IR and the names it may read)."""
        ...

    def compile_decisions(self, program: Program) -> Tables:
        """Every decision table of ``program``, in its evaluation order."""
        ...

    def facts(self, provider: FactProvider) -> Facts | None:
        """How this backend computes ``provider``'s facts (None: it cannot; the caller
        falls back to the Python backend for them)."""
        ...
