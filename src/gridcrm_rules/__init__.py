"""gridcrm_rules: power-utility customer-management regulations as code.

>>> import gridcrm_rules as gr
>>> engine = gr.Engine.default()
>>> d = engine.evaluate(
...     {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"},
...     [{"type": "theft_detected", "id": "e1", "at": "2025-03-01"}],
...     as_of="2026-11-22T09:00:00+08:00",
... )
>>> d.credit.grade, d.credit.rule_ids
('D', ('CR-D',))
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .areas.service_quality.quality import VoltageCheck, check_supply_voltage
from .calendar import Schedule, WorkingDayCalendar, load_schedules
from .engine import DEFAULT_PACKS, Engine
from .errors import (
    CalendarDataMissing,
    ErrorRecord,
    EvaluationError,
    GridcrmError,
    MissingExtra,
    PackError,
    PackNameClash,
    PackNotFound,
    PluginWarning,
    SnapshotMismatch,
)
from .facts import FactContext, FactProvider, FactRegistry, fact
from .impact import Timeline, TimelinePoint, compare, regrade_instants
from .live import (
    Change,
    EntitlementsChanged,
    GradeChanged,
    KeyAccountChanged,
    LiveSession,
    OverrideApplied,
    OverrideRefused,
    TaskCompleted,
    TaskOpened,
    TaskOverdue,
    TaskWithdrawn,
)
from .models import (
    Citation,
    CreditResult,
    Customer,
    Decision,
    DecisionOutcome,
    DecisionValue,
    Entitlement,
    Event,
    KeyAccountProfile,
    OverrideRecord,
    PartError,
    RuleHit,
    Task,
    Trace,
    parse_events,
)
from .packs import BUILTIN_PACKS, PackRegistry, PackSpec, read_pack
from .population import (
    RankedCustomer,
    Sample,
    TierAssignment,
    assign_tiers,
    callback_sample,
    feedback_card_sample,
    reward_draw,
    service_order,
    shedding_order,
)
from .verify import VerificationReport, verify_engine

try:
    __version__ = version("gridcrm-rules")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BUILTIN_PACKS",
    "DEFAULT_PACKS",
    "CalendarDataMissing",
    "Change",
    "Citation",
    "CreditResult",
    "Customer",
    "Decision",
    "DecisionOutcome",
    "DecisionValue",
    "Engine",
    "Entitlement",
    "EntitlementsChanged",
    "ErrorRecord",
    "EvaluationError",
    "Event",
    "FactContext",
    "FactProvider",
    "FactRegistry",
    "GradeChanged",
    "GridcrmError",
    "KeyAccountChanged",
    "KeyAccountProfile",
    "LiveSession",
    "MissingExtra",
    "OverrideApplied",
    "OverrideRecord",
    "OverrideRefused",
    "PackError",
    "PackNameClash",
    "PackNotFound",
    "PackRegistry",
    "PackSpec",
    "PartError",
    "PluginWarning",
    "RankedCustomer",
    "RuleHit",
    "Sample",
    "Schedule",
    "SnapshotMismatch",
    "Task",
    "TaskCompleted",
    "TaskOpened",
    "TaskOverdue",
    "TaskWithdrawn",
    "TierAssignment",
    "Timeline",
    "TimelinePoint",
    "Trace",
    "VerificationReport",
    "VoltageCheck",
    "WorkingDayCalendar",
    "__version__",
    "assign_tiers",
    "callback_sample",
    "check_supply_voltage",
    "compare",
    "fact",
    "feedback_card_sample",
    "load_schedules",
    "parse_events",
    "read_pack",
    "regrade_instants",
    "reward_draw",
    "service_order",
    "shedding_order",
    "verify_engine",
]
