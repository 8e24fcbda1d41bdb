"""Live evaluation: a session that follows events one at a time (docs/live.md)."""

from __future__ import annotations

from .changes import (
    Change,
    EntitlementsChanged,
    GradeChanged,
    KeyAccountChanged,
    OverrideApplied,
    OverrideRefused,
    TaskCompleted,
    TaskOpened,
    TaskOverdue,
    TaskWithdrawn,
    diff_decisions,
)
from .session import LiveSession
from .snapshot import FORMAT as SNAPSHOT_FORMAT
from .snapshot import engine_fingerprint

__all__ = [
    "SNAPSHOT_FORMAT",
    "Change",
    "EntitlementsChanged",
    "GradeChanged",
    "KeyAccountChanged",
    "LiveSession",
    "OverrideApplied",
    "OverrideRefused",
    "TaskCompleted",
    "TaskOpened",
    "TaskOverdue",
    "TaskWithdrawn",
    "diff_decisions",
    "engine_fingerprint",
]
