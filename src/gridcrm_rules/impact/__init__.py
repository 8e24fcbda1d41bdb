"""Impact analysis: what a pack or parameter change does to a population, and timelines.

>>> import gridcrm_rules as gr
>>> engine = gr.Engine.from_packs(["credit"])
>>> t = engine.timeline(
...     {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"},
...     [{"type": "theft_detected", "id": "e1", "at": "2026-02-10"}],
...     start="2026-01-01", end="2026-03-01",
... )
>>> [(p.instant.date().isoformat(), p.grade, p.events) for p in t.points]
[('2026-01-01', 'A', ()), ('2026-02-01', 'A', ()), ('2026-03-01', 'D', ('e1',))]

``compare`` and ``timeline_batch`` run on the batch engine (the ``batch`` extra);
``plots`` needs the ``plot`` extra (altair).  Importing this package imports
neither: ``Comparison`` and ``TimelineTable`` load polars when first used.
See docs/impact.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .customer_timeline import Timeline, TimelinePoint, timeline
from .instants import Every, regrade_instants

if TYPE_CHECKING:
    from ..engine import Engine
    from .population_timeline import TimelineTable
    from .report import Comparison

__all__ = ["Comparison", "Every", "Timeline", "TimelinePoint", "TimelineTable", "compare",
           "regrade_instants", "timeline", "timeline_batch"]


def compare(
    engine_a: Engine, engine_b: Engine, customers: Any, events: Any = None, *,
    as_of: date | datetime | str, **options: Any,
) -> Comparison:
    """Decide the same customers with ``engine_a`` (before) and ``engine_b`` (after) and
    report what changes; see :func:`gridcrm_rules.impact.comparison.compare` (needs the
    ``batch`` extra)."""
    from .comparison import compare as run

    return run(engine_a, engine_b, customers, events, as_of=as_of, **options)


def timeline_batch(
    engine: Engine, customers: Any, events: Any = None, *,
    start: date | datetime | str, end: date | datetime | str, every: Every = "month",
    **options: Any,
) -> TimelineTable:
    """Every customer's decision at every re-grade instant, as one long table; see
    :func:`gridcrm_rules.impact.population_timeline.timeline_batch` (needs the ``batch`` extra)."""
    from .population_timeline import timeline_batch as run

    return run(engine, customers, events, start=start, end=end, every=every, **options)


def __getattr__(name: str) -> Any:
    if name == "Comparison":
        from .report import Comparison

        return Comparison
    if name == "TimelineTable":
        from .population_timeline import TimelineTable

        return TimelineTable
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
