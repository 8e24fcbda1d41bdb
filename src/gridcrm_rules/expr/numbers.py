"""The condition language's one number semantics (docs/conditions.md "Numbers and limits").

Both backends follow these definitions: the scalar code generator calls the
functions below, the columnar compiler routes every row where they would raise
to the scalar engine (and, where polars itself cannot hold a value, the whole
chunk), so the two give the same answer or the same error.

* A **literal** (in a condition, an output or a parameter) is finite and has at
  most :data:`MAX_INTEGER_DIGITS` digits before the decimal point and
  :data:`MAX_FRACTION_DIGITS` after it; anything else is refused at load.
* ``+``, ``-``, ``*`` and unary ``-`` are **exact**.  A result whose magnitude
  is :data:`LIMIT` or more, or that needs more than :data:`EXACT_DIGITS`
  significant digits, is an :class:`~gridcrm_rules.errors.EvaluationError`
  (``number_out_of_range``).
* ``/`` rounds the quotient half-even to :data:`QUOTIENT_DIGITS` significant
  digits; division by zero and a quotient beyond :data:`LIMIT` are errors.
* Everything runs under the engine's own decimal context (:func:`engine_context`),
  so the caller's ``decimal.getcontext()`` never changes a result.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Final

from ..errors import EvaluationError

__all__ = [
    "EXACT_DIGITS",
    "LIMIT",
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "QUOTIENT_DIGITS",
    "add",
    "divide",
    "engine_context",
    "literal_problem",
    "multiply",
    "negate",
    "new_engine_context",
    "subtract",
]

MAX_INTEGER_DIGITS: Final = 18
"""Digits a literal may have before the decimal point (so literals stay below 10**18)."""
MAX_FRACTION_DIGITS: Final = 9
"""Digits a literal may have after the decimal point (the batch's number columns hold 9)."""
LIMIT: Final = Decimal(10) ** MAX_INTEGER_DIGITS
"""Every number a rule computes has a magnitude below this."""
EXACT_DIGITS: Final = 38
"""Significant digits an exact result may need (polars' Decimal128 holds 38)."""
QUOTIENT_DIGITS: Final = 28
"""Significant digits of a quotient (rounded half-even)."""

_TRAPS: Final = (decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow)


def new_engine_context() -> decimal.Context:
    """A fresh decimal context of the engine: Python's defaults, written out (28 digits,
    half-even, invalid operations, division by zero and overflow trapped)."""
    return decimal.Context(prec=QUOTIENT_DIGITS, rounding=decimal.ROUND_HALF_EVEN,
                           Emax=999_999, Emin=-999_999, capitals=1, clamp=0, flags=[],
                           traps=list(_TRAPS))


def _exact_context() -> decimal.Context:
    """A context in which a result that would need rounding raises instead."""
    return decimal.Context(prec=EXACT_DIGITS, rounding=decimal.ROUND_HALF_EVEN,
                           Emax=999_999, Emin=-999_999, capitals=1, clamp=0, flags=[],
                           traps=[*_TRAPS, decimal.Inexact])


@contextmanager
def engine_context() -> Iterator[decimal.Context]:
    """Run the body under the engine's own decimal context (thread-local, restored after):
    whatever the caller set with ``decimal.getcontext()`` changes no result."""
    with decimal.localcontext(new_engine_context()) as ctx:
        yield ctx


def literal_problem(value: Any) -> str | None:
    """Why a number literal or parameter value is refused at load; None when it is fine."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    if isinstance(value, int):
        if abs(value) >= LIMIT:
            return _too_large(value)
        return None
    if not value.is_finite():
        return f"{value} is not a finite number"
    if value == 0:
        return None
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) + exponent > MAX_INTEGER_DIGITS:
        return _too_large(value)
    kept = len(digits)
    while exponent < 0 and digits[kept - 1] == 0:  # trailing zeros of the fraction
        kept -= 1
        exponent += 1
    if -exponent > MAX_FRACTION_DIGITS:
        return (f"{_short(value)} has more than {MAX_FRACTION_DIGITS} digits after the "
                "decimal point")
    return None


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def _too_large(value: Any) -> str:
    return (f"{_short(value)} is too large: numbers have at most {MAX_INTEGER_DIGITS} digits "
            "before the decimal point")


def _out_of_range(what: str, a: Any, b: Any = None) -> EvaluationError:
    operands = f"{_short(a)}" if b is None else f"{_short(a)} and {_short(b)}"
    values = {"left": a} if b is None else {"left": a, "right": b}
    return EvaluationError(
        f"{what} of {operands} is beyond the number limits (magnitude below "
        f"10**{MAX_INTEGER_DIGITS}, at most {EXACT_DIGITS} significant digits)",
        type="number_out_of_range", values=values,
    )


def _within(result: int | Decimal, what: str, a: Any, b: Any = None) -> int | Decimal:
    magnitude = result.copy_abs() if isinstance(result, Decimal) else Decimal(abs(result))
    if magnitude >= LIMIT:
        raise _out_of_range(what, a, b)
    return result


def _exact(op: str, a: int | Decimal, b: int | Decimal) -> int | Decimal:
    if isinstance(a, int) and isinstance(b, int):
        exact: int | Decimal = a + b if op == "+" else a - b if op == "-" else a * b
        return _within(exact, f"'{op}'", a, b)
    exact_ctx = _exact_context()
    try:
        if op == "+":
            result = exact_ctx.add(a, b)
        elif op == "-":
            result = exact_ctx.subtract(a, b)
        else:
            result = exact_ctx.multiply(a, b)
    except decimal.DecimalException:
        raise _out_of_range(f"'{op}'", a, b) from None
    return _within(result, f"'{op}'", a, b)


def add(a: int | Decimal, b: int | Decimal) -> int | Decimal:
    """``a + b``, exact (see the module docstring)."""
    return _exact("+", a, b)


def subtract(a: int | Decimal, b: int | Decimal) -> int | Decimal:
    """``a - b``, exact."""
    return _exact("-", a, b)


def multiply(a: int | Decimal, b: int | Decimal) -> int | Decimal:
    """``a * b``, exact."""
    return _exact("*", a, b)


def negate(a: int | Decimal) -> int | Decimal:
    """``-a`` (exact; a negated number is always within the limits it was in)."""
    return -a if isinstance(a, int) else a.copy_negate()


def divide(a: int | Decimal, b: int | Decimal) -> Decimal:
    """``a / b``: the quotient rounded half-even to :data:`QUOTIENT_DIGITS` digits."""
    if b == 0:
        raise EvaluationError("division by zero", type="division_by_zero",
                              values={"left": a, "right": b})
    try:
        quotient = new_engine_context().divide(Decimal(a), Decimal(b))
    except decimal.DecimalException:
        raise _out_of_range("'/'", a, b) from None
    result = _within(quotient, "'/'", a, b)
    assert isinstance(result, Decimal)
    return result
