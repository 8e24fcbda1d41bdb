"""Rule packs: the schema, loading and ``extends``, the registry, the built-in data files."""

from .load import PackSource, ResolvedPack, read_pack, resolve
from .registry import BUILTIN_PACKS, ENTRY_POINT_GROUP, PackRegistry
from .schema import (
    DecisionPatch,
    DecisionSpec,
    HitPolicy,
    OutputSpec,
    PackSpec,
    ParamSpec,
    RuleSpec,
    SourceSpec,
)

__all__ = [
    "BUILTIN_PACKS",
    "ENTRY_POINT_GROUP",
    "DecisionPatch",
    "DecisionSpec",
    "HitPolicy",
    "OutputSpec",
    "PackRegistry",
    "PackSource",
    "PackSpec",
    "ParamSpec",
    "ResolvedPack",
    "RuleSpec",
    "SourceSpec",
    "read_pack",
    "resolve",
]
