"""Better messages for names that belong to a pack that is not loaded.

``key_account.general`` in a pack that does not ``require`` the key-accounts
pack is an unknown name; the plain did-you-mean would point at look-alike
customer fields.  When the part before the dot is a decision of a registered
pack that is not loaded, the message says which pack to require instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Final

from ..errors import ErrorRecord, GridcrmError
from ..packs import PackRegistry, ResolvedPack

__all__ = ["with_missing_pack_hints"]

_UNKNOWN: Final = re.compile(
    r"unknown name '(?P<decision>[A-Za-z_]\w*)\.(?P<field>\w+)'(?P<hint> \(did you mean [^)]*\))?"
)


def _decision_owners(registry: PackRegistry, loaded: set[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for name in registry.names():
        if name in loaded:
            continue
        try:
            spec = registry.get(name).spec
        except GridcrmError:  # a faulty plugin gives no hint
            continue
        for decision in spec.decisions:
            owners.setdefault(decision, name)
    return owners


def with_missing_pack_hints(
    errors: Iterable[ErrorRecord], packs: Sequence[ResolvedPack]
) -> list[ErrorRecord]:
    """``errors`` with 'add requires: [PACK]' where a name is a decision of an unloaded pack."""
    records = list(errors)
    if not any(r.type == "unknown_name" and "." in r.msg for r in records):
        return records
    loaded = {name for p in packs for name in p.lineage}
    owners = _decision_owners(PackRegistry.builtin(), loaded)
    out = []
    for record in records:
        match = _UNKNOWN.search(record.msg) if record.type == "unknown_name" else None
        owner = owners.get(match.group("decision")) if match else None
        if match is None or owner is None:
            out.append(record)
            continue
        name = f"{match.group('decision')}.{match.group('field')}"
        hint = (
            f"unknown name {name!r}: decision {match.group('decision')!r} is in pack "
            f"{owner!r}, which is not loaded; add 'requires: [{owner}]' to your pack"
        )
        out.append(replace(record, msg=record.msg.replace(match.group(0), hint)))
    return out
