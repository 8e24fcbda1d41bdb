"""The function whitelist's shape, and the pure functions every pack may call.

Functions that need the engine's working-day calendar receive the evaluation
context as their first argument (``needs_context``); the bindings to the
calendar live in :mod:`gridcrm_rules.functions`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..errors import EvaluationError
from .types import NUMBER, Kind, Type

__all__ = ["BASE_FUNCTIONS", "Domain", "FunctionSpec", "guarded", "round_money"]


@dataclass(frozen=True, slots=True)
class Domain:
    """The numbers a function accepts at one argument: whole or not, and a range.

    ``low``/``high`` are inclusive; ``below`` is an exclusive upper bound.  One
    definition serves both checks: a literal argument outside it is refused at
    load (:class:`~gridcrm_rules.expr.check.Checker`), any other value raises
    :class:`~gridcrm_rules.errors.EvaluationError` (``bad_argument``) when called.
    """

    whole: bool = False
    low: int | Decimal | None = None
    high: int | Decimal | None = None
    below: int | Decimal | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is outside the domain; None when it is inside."""
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return None
        if self.whole and value != int(value):
            return f"must be a whole number, got {value}"
        if self.low is not None and value < self.low:
            return f"must be at least {self.low}, got {value}"
        if self.high is not None and value > self.high:
            return f"must be at most {self.high}, got {value}"
        if self.below is not None and value >= self.below:
            return f"must be below {self.below}, got {value}"
        return None


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A callable name: accepted argument kinds, result type and implementation."""

    name: str
    params: tuple[frozenset[Kind], ...]
    returns: Type
    impl: Callable[..., Any]
    doc: str
    variadic: bool = False
    needs_context: bool = False
    domains: tuple[Domain | None, ...] = ()
    """Per argument, the numbers accepted (None or missing: any number)."""

    def check_arity(self, count: int) -> str | None:
        """A message when ``count`` arguments do not fit, else None."""
        if self.variadic:
            return (
                None
                if count >= len(self.params)
                else (f"{self.name}() takes at least {len(self.params)} arguments, got {count}")
            )
        if count != len(self.params):
            return f"{self.name}() takes {len(self.params)} arguments, got {count}"
        return None

    def param_kinds(self, index: int) -> frozenset[Kind]:
        """The kinds accepted at argument ``index``."""
        return self.params[min(index, len(self.params) - 1)]

    def argument_problem(self, index: int, value: Any) -> str | None:
        """Why ``value`` cannot be argument ``index`` (its :class:`Domain`); else None."""
        domain = self.domains[index] if index < len(self.domains) else None
        problem = domain.problem(value) if domain is not None else None
        return f"argument {index + 1} of {self.name}() {problem}" if problem else None


def guarded(spec: FunctionSpec) -> FunctionSpec:
    """``spec`` whose implementation reports every fault as an EvaluationError.

    A missing argument is ``missing_value``; an argument outside its domain, or
    one the implementation refuses (ValueError, ArithmeticError...), is
    ``bad_argument``, naming the function and the values.  Both backends call
    this implementation, so they fail alike.  (A year without a working-day
    schedule, :class:`~gridcrm_rules.errors.CalendarDataMissing`, passes through:
    the engine scopes it to the one task that needed it.)
    """
    impl, name, offset = spec.impl, spec.name, 1 if spec.needs_context else 0
    domains = tuple((i, d) for i, d in enumerate(spec.domains) if d is not None)

    def shown(values: tuple[Any, ...]) -> dict[str, Any]:
        return {f"argument {i + 1}": v for i, v in enumerate(values)}

    def refuse(values: tuple[Any, ...]) -> None:
        """Raise for the first argument that is None or outside its domain, if any."""
        for i, v in enumerate(values):
            if v is None:
                raise EvaluationError(
                    f"argument {i + 1} of {name}() is None (missing value) where a value is "
                    "needed", type="missing_value", values=shown(values))
            problem = spec.argument_problem(i, v)
            if problem is not None:
                raise EvaluationError(problem, type="bad_argument", values=shown(values))

    @functools.wraps(impl)
    def call(*args: Any) -> Any:
        # The common case: no None and every argument inside its domain; on any fault
        # ``refuse`` checks the arguments in order, so the first fault is the one reported.
        values = args[offset:]
        if None in values:
            refuse(values)
        for i, domain in domains:
            if i < len(values) and domain.problem(values[i]) is not None:
                refuse(values)
        try:
            return impl(*args)
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise EvaluationError(f"{name}() cannot be computed: {exc}", type="bad_argument",
                                  values=shown(values)) from None

    return FunctionSpec(spec.name, spec.params, spec.returns, call, spec.doc, spec.variadic,
                        spec.needs_context, spec.domains)


def round_money(value: Decimal | int) -> Decimal:
    """Round half-up to 0.01 CNY (RULES.md §0)."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _min(*values: Any) -> Any:
    return min(values)


def _max(*values: Any) -> Any:
    return max(values)


def _abs(value: int | Decimal) -> int | Decimal:
    """Exact: ``abs()`` of a Decimal would round to the context's precision."""
    return value.copy_abs() if isinstance(value, Decimal) else abs(value)


_NUM = frozenset({Kind.NUMBER})


def _spec(
    name: str,
    params: Sequence[frozenset[Kind]],
    impl: Callable[..., Any],
    doc: str,
    *,
    variadic: bool = False,
) -> FunctionSpec:
    return FunctionSpec(name, tuple(params), NUMBER, impl, doc, variadic=variadic)


BASE_FUNCTIONS: dict[str, FunctionSpec] = {
    f.name: guarded(f)
    for f in (
        _spec("min", [_NUM, _NUM], _min, "The smallest of two or more numbers.", variadic=True),
        _spec("max", [_NUM, _NUM], _max, "The largest of two or more numbers.", variadic=True),
        _spec("abs", [_NUM], _abs, "The absolute value."),
        _spec("round_money", [_NUM], round_money, "Round half-up to 0.01 CNY."),
    )
}
