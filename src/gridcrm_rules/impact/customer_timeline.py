"""One customer's decisions month by month: ``Engine.timeline``.

A timeline is :meth:`Engine.evaluate <gridcrm_rules.Engine.evaluate>` called at
each re-grade instant (:func:`~gridcrm_rules.impact.regrade_instants`), so each
point *is* the decision the engine returns at that instant (tested).  The
customer and the history are validated once and reused at every instant.
No polars here: a single customer's timeline needs only the core install.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..models import Customer, Decision, Task, event_instant, parse_events
from .instants import Every, regrade_instants

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["Timeline", "TimelinePoint", "timeline"]


@dataclass(frozen=True)
class TimelinePoint:
    """The decision at one re-grade instant."""

    instant: datetime
    decision: Decision
    events: tuple[str, ...]
    """Ids of the events dated after the previous point's instant, up to this one
    (empty for the first point): what may have moved the grade since then."""

    @property
    def cutoff(self) -> date:
        """The cutoff the decision used (last day of the previous month)."""
        return self.decision.trace.cutoff

    @property
    def grade(self) -> str | None:
        """The effective credit grade (None: ungraded or no credit pack)."""
        return self.decision.credit.grade if self.decision.credit else None

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The credit rule ids that fired."""
        return self.decision.credit.rule_ids if self.decision.credit else ()

    @property
    def provisional(self) -> bool:
        """Fewer than 12 months of billing history at this instant."""
        return bool(self.decision.credit and self.decision.credit.provisional)

    @property
    def entitlements(self) -> tuple[str, ...]:
        """The entitlements as ``code:level``."""
        return tuple(f"{e.code}:{e.level}" for e in self.decision.entitlements)

    @property
    def open_tasks(self) -> tuple[Task, ...]:
        """Tasks not done at this instant: status ``open`` or ``overdue``."""
        return tuple(t for t in self.decision.tasks if t.status != "on_time")

    def row(self) -> dict[str, Any]:
        """The point as a flat record (the columns of ``timeline_batch``, plus events)."""
        return {"customer_id": self.decision.customer_id, "instant": self.instant,
                "cutoff": self.cutoff, "grade": self.grade,
                "computed_grade": (self.decision.credit.computed_grade
                                   if self.decision.credit else None),
                "rule_ids": list(self.rule_ids), "provisional": self.provisional,
                "entitlements": list(self.entitlements), "open_tasks": len(self.open_tasks),
                "events": list(self.events)}


@dataclass(frozen=True)
class Timeline:
    """A customer's decisions at successive re-grade instants, oldest first."""

    customer_id: str
    points: tuple[TimelinePoint, ...]

    def grades(self) -> list[tuple[datetime, str | None]]:
        """``(instant, grade)`` at every point."""
        return [(p.instant, p.grade) for p in self.points]

    def changes(self) -> list[TimelinePoint]:
        """The points whose grade differs from the previous point's."""
        return [p for prev, p in zip(self.points, self.points[1:], strict=False)
                if p.grade != prev.grade]

    def rows(self) -> list[dict[str, Any]]:
        """Every point as a flat record."""
        return [p.row() for p in self.points]

    def to_polars(self) -> Any:
        """The points as a polars DataFrame (needs the ``batch`` extra)."""
        import polars as pl

        return pl.DataFrame(self.rows())

    def plot(self) -> Any:
        """The grade at each instant with the events that moved it (an Altair chart; the
        ``plot`` extra)."""
        from .plots import grade_timeline

        return grade_timeline(self)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("instant", "grade", "rules", "provisional",
                                                 "entitlements", "open tasks", "events"))
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
                p.instant.date().isoformat(), p.grade or "-", ", ".join(p.rule_ids),
                "yes" if p.provisional else "no", len(p.entitlements), len(p.open_tasks),
                ", ".join(p.events))) + "</tr>"
            for p in self.points)
        return (f"<h4>timeline of {html.escape(self.customer_id)}</h4>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def timeline(
    engine: Engine,
    customer: Customer | Mapping[str, Any],
    events: Iterable[Any] = (),
    *,
    start: date | datetime | str,
    end: date | datetime | str,
    every: Every = "month",
) -> Timeline:
    """The decision of ``engine`` at every re-grade instant from ``start`` to ``end``."""
    cust = customer if isinstance(customer, Customer) else Customer.model_validate(customer)
    history = parse_events(events)
    dated = [(event_instant(e), e.id) for e in history]
    points: list[TimelinePoint] = []
    previous: datetime | None = None
    for instant in regrade_instants(start, end, every):
        moved = () if previous is None else tuple(
            i for when, i in sorted(dated) if previous < when <= instant)
        points.append(TimelinePoint(instant, engine.evaluate(cust, history, as_of=instant),
                                    moved))
        previous = instant
    return Timeline(cust.id, tuple(points))
