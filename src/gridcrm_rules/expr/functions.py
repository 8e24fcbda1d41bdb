"""The function whitelist's shape, and the pure functions every pack may call.

Functions that need the engine's working-day calendar receive the evaluation
context as their first argument (``needs_context``); the bindings to the
calendar live in :mod:`gridcrm_rules.functions`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .types import NUMBER, Kind, Type

__all__ = ["BASE_FUNCTIONS", "FunctionSpec", "round_money"]


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


def round_money(value: Decimal | int) -> Decimal:
    """Round half-up to 0.01 CNY (RULES.md §0)."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _min(*values: Any) -> Any:
    return min(values)


def _max(*values: Any) -> Any:
    return max(values)


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
    f.name: f
    for f in (
        _spec("min", [_NUM, _NUM], _min, "The smallest of two or more numbers.", variadic=True),
        _spec("max", [_NUM, _NUM], _max, "The largest of two or more numbers.", variadic=True),
        _spec("abs", [_NUM], abs, "The absolute value."),
        _spec("round_money", [_NUM], round_money, "Round half-up to 0.01 CNY."),
    )
}
