"""A live session's state as data: the inputs, a format version and the engine's fingerprint.

A snapshot holds what cannot be re-derived -- the customer records, their
events, the clock and the overdue tasks already reported -- never a decision:
restoring replays the inputs under the engine (the same answers by the
contract ``live.decision(c) == engine.evaluate(c, events, as_of=live.now)``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ConfigDict

from .._time import to_aware

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["FORMAT", "CustomerState", "SnapshotData", "engine_fingerprint"]

FORMAT: Final = "gridcrm-live/1"
"""The snapshot format's version; a snapshot of another format is refused."""


class CustomerState(BaseModel):
    """One customer in a snapshot: its record, its events and the overdue tasks reported."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    overdue_reported: tuple[str, ...] = ()


class SnapshotData(BaseModel):
    """The JSON document :meth:`LiveSession.snapshot` writes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str
    fingerprint: str
    packs: tuple[str, ...]
    now: datetime | None
    customers: dict[str, CustomerState]


def engine_fingerprint(engine: Engine) -> str:
    """A digest of what decides: the packs (names, versions, rules), the parameter values,
    the fact providers and the working-day calendar's years."""
    parts: dict[str, Any] = {
        "packs": [f"{p.name} {p.version}" for p in engine.packs],
        "decisions": [repr(d.spec) for d in engine.program.decisions],
        "params": {k: repr(v) for k, v in sorted(engine.params.items())},
        "facts": sorted(p.name for p in engine.facts),
        "calendar": repr(engine.calendar),
    }
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def read_snapshot(blob: bytes | str | Mapping[str, Any]) -> SnapshotData:
    """Parse a snapshot (bytes, str or an already-parsed mapping)."""
    if isinstance(blob, Mapping):
        return SnapshotData.model_validate(blob)
    data = SnapshotData.model_validate_json(blob)
    if data.now is not None:
        data = data.model_copy(update={"now": to_aware(data.now)})
    return data
