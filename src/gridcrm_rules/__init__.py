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

from importlib import import_module
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # the names as mypy and editors see them; at run time: __getattr__
    from .areas.service_quality.quality import VoltageCheck, check_supply_voltage
    from .calendar import Schedule, WorkingDayCalendar, load_schedules
    from .engine import DEFAULT_PACKS, Engine
    from .errors import (
        BatchInputError,
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

    __version__: str

_EXPORTS: Final[dict[str, str]] = {
    "VoltageCheck": ".areas.service_quality.quality",
    "check_supply_voltage": ".areas.service_quality.quality",
    "Schedule": ".calendar",
    "WorkingDayCalendar": ".calendar",
    "load_schedules": ".calendar",
    "DEFAULT_PACKS": ".engine",
    "Engine": ".engine",
    "BatchInputError": ".errors",
    "CalendarDataMissing": ".errors",
    "ErrorRecord": ".errors",
    "EvaluationError": ".errors",
    "GridcrmError": ".errors",
    "MissingExtra": ".errors",
    "PackError": ".errors",
    "PackNameClash": ".errors",
    "PackNotFound": ".errors",
    "PluginWarning": ".errors",
    "SnapshotMismatch": ".errors",
    "Change": ".live",
    "EntitlementsChanged": ".live",
    "GradeChanged": ".live",
    "KeyAccountChanged": ".live",
    "LiveSession": ".live",
    "OverrideApplied": ".live",
    "OverrideRefused": ".live",
    "TaskCompleted": ".live",
    "TaskOpened": ".live",
    "TaskOverdue": ".live",
    "TaskWithdrawn": ".live",
    "FactContext": ".facts",
    "FactProvider": ".facts",
    "FactRegistry": ".facts",
    "fact": ".facts",
    "Timeline": ".impact",
    "TimelinePoint": ".impact",
    "compare": ".impact",
    "regrade_instants": ".impact",
    "Citation": ".models",
    "CreditResult": ".models",
    "Customer": ".models",
    "Decision": ".models",
    "DecisionOutcome": ".models",
    "DecisionValue": ".models",
    "Entitlement": ".models",
    "Event": ".models",
    "KeyAccountProfile": ".models",
    "OverrideRecord": ".models",
    "PartError": ".models",
    "RuleHit": ".models",
    "Task": ".models",
    "Trace": ".models",
    "parse_events": ".models",
    "BUILTIN_PACKS": ".packs",
    "PackRegistry": ".packs",
    "PackSpec": ".packs",
    "read_pack": ".packs",
    "RankedCustomer": ".population",
    "Sample": ".population",
    "TierAssignment": ".population",
    "assign_tiers": ".population",
    "callback_sample": ".population",
    "feedback_card_sample": ".population",
    "reward_draw": ".population",
    "service_order": ".population",
    "shedding_order": ".population",
    "VerificationReport": ".verify",
    "verify_engine": ".verify",
}
"""Each public name -> the module defining it, imported on first use (PEP 562): ``import
gridcrm_rules`` loads no pydantic model, pack or calendar until a name is needed."""


def __getattr__(name: str) -> Any:
    """A public name, a subpackage or ``__version__``, imported when first asked for."""
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(import_module(module, __name__), name)
    elif name == "__version__":
        value = _installed_version()
    elif name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        try:
            value = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, imported or not (``dir(gridcrm_rules)``, completion)."""
    return sorted(set(globals()) | set(__all__))


def _installed_version() -> str:
    """The installed distribution's version (importlib.metadata costs ~40 ms: asked lazily)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gridcrm-rules")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


__all__ = [
    "BUILTIN_PACKS",
    "DEFAULT_PACKS",
    "BatchInputError",
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
