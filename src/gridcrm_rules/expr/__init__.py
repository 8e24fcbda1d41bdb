"""The condition language: ``parse`` (ast + whitelist) -> ``check`` -> ``compile``.

Conditions and formulas are one-line strings in a small subset of Python
expression syntax.  The IR in :mod:`.ir` is shared by every backend.
"""

from . import ir
from .check import Binding, Checker, Schema, check_bool, suggest
from .compile import CONTEXT_KEY, Compiled, compile_expr
from .functions import BASE_FUNCTIONS, FunctionSpec, round_money
from .parse import ExprSyntaxError, parse
from .types import Kind, Type

__all__ = [
    "BASE_FUNCTIONS",
    "CONTEXT_KEY",
    "Binding",
    "Checker",
    "Compiled",
    "ExprSyntaxError",
    "FunctionSpec",
    "Kind",
    "Schema",
    "Type",
    "check_bool",
    "compile_expr",
    "ir",
    "parse",
    "round_money",
    "suggest",
]
