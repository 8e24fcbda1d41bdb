"""The columnar polars backend: expressions over frames of canonical columns.

It implements :class:`gridcrm_rules.backend.Backend` for one ``as_of`` and one
frame schema, with the pieces ``evaluate_batch`` runs: conditions through
:func:`~gridcrm_rules.batch.columnar_expr.compile_columnar`, all decision tables
through :func:`~gridcrm_rules.batch.decide.compile_decisions`, facts through the
provider's columnar twin (:func:`~gridcrm_rules.batch.columnar_context.columnar_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from .._time import local_date
from ..calendar import WorkingDayCalendar
from ..engine import Program
from ..expr import ir
from ..expr.check import Binding
from ..expr.functions import FunctionSpec
from ..facts import FactProvider
from ..functions import FUNCTIONS, EvalContext
from .columnar_context import ColumnarFacts, columnar_for
from .columnar_expr import Col, compile_columnar
from .decide import ColumnarPlan, CompiledColumnar, compile_decisions

__all__ = ["PolarsBackend"]


@dataclass(frozen=True)
class PolarsBackend:
    """Compiles for frames of ``columns`` at ``as_of`` (conditions may raise
    :class:`~gridcrm_rules.errors.NotColumnar`: the scalar backend decides those)."""

    program: Program
    calendar: WorkingDayCalendar
    as_of: datetime
    columns: pl.Schema
    functions: Mapping[str, FunctionSpec] = field(default_factory=lambda: FUNCTIONS)

    @property
    def name(self) -> str:
        """``polars``."""
        return "polars"

    @property
    def plan(self) -> ColumnarPlan:
        """The constants and functions every compiled expression shares."""
        return ColumnarPlan(self.program, self.functions, EvalContext(self.calendar),
                            self.as_of, local_date(self.as_of))

    def compile_condition(self, node: ir.Node, schema: Mapping[str, Binding]) -> Col:
        """A polars expression (with its kind, scale and risk of raising) for ``node``."""
        plan = self.plan
        return compile_columnar(node, schema, self.columns, plan.constants(), plan.functions,
                                plan.call_constant)

    def compile_decisions(self, program: Program) -> CompiledColumnar:
        """Every decision of ``program`` as ``with_columns`` stages for ``columns``."""
        plan = self.plan
        if program is not self.program:
            plan = ColumnarPlan(program, plan.functions, plan.context, plan.as_of, plan.day)
        return compile_decisions(self.columns, plan)

    def facts(self, provider: FactProvider) -> ColumnarFacts | None:
        """The provider's columnar twin, or None (its Python function is used)."""
        return columnar_for(provider)
