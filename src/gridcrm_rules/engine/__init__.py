"""The engine: compiles packs into a decision graph and evaluates it per customer."""

from .build import CompiledDecision, CompiledRule, Program, build_program
from .engine import DEFAULT_PACKS, Engine
from .overrides import GRADE_RANK, apply_overrides
from .selection import PackSelection, add_pack_options

__all__ = [
    "DEFAULT_PACKS",
    "GRADE_RANK",
    "CompiledDecision",
    "CompiledRule",
    "Engine",
    "PackSelection",
    "Program",
    "add_pack_options",
    "apply_overrides",
    "build_program",
]
