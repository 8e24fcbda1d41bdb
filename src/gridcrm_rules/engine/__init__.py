"""The engine: compiles packs into a decision graph and evaluates it per customer."""

from .build import CompiledDecision, CompiledRule, Program, build_program
from .engine import DEFAULT_PACKS, Engine
from .overrides import GRADE_RANK, apply_overrides

__all__ = [
    "DEFAULT_PACKS",
    "GRADE_RANK",
    "CompiledDecision",
    "CompiledRule",
    "Engine",
    "Program",
    "apply_overrides",
    "build_program",
]
