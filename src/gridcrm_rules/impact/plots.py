"""Pictures of impact results, as Altair charts (the ``plot`` extra).

Each function returns an ``altair.Chart``: a notebook shows it as it is, and
``chart.save("matrix.html")`` (or ``.json``; ``.png``/``.svg`` need the
``vl-convert-python`` package) writes it to a file.  Nothing in the core imports
this module; it imports altair when called.

* :func:`transition_heatmap` -- a :class:`~gridcrm_rules.impact.Comparison`'s
  transition matrix (rows: before, columns: after, the count in each cell);
* :func:`grade_mix_area` -- a :class:`~gridcrm_rules.impact.TimelineTable`'s grade
  mix over time, as stacked areas;
* :func:`grade_timeline` -- one customer's :class:`~gridcrm_rules.impact.Timeline`:
  the grade at each instant, with a mark at each instant whose events moved it.
"""

from __future__ import annotations

from .._extras import require_extra  # first: a missing extra is one clear error

require_extra("plot", "gridcrm_rules.impact.plots")

from typing import TYPE_CHECKING, Any, Final  # noqa: E402

from .report import LABELS  # noqa: E402

if TYPE_CHECKING:
    from .customer_timeline import Timeline
    from .population_timeline import TimelineTable
    from .report import Comparison

__all__ = ["GRADE_COLOURS", "grade_mix_area", "grade_timeline", "transition_heatmap"]

GRADE_COLOURS: Final = {"A": "#2e7d32", "B": "#9ccc65", "C": "#ffb300", "D": "#c62828",
                        "-": "#9e9e9e", "error": "#424242"}
"""One colour per label, the same in every chart."""


def _altair() -> Any:
    import altair as alt  # the plot extra, checked when this module was imported

    return alt


def transition_heatmap(comparison: Comparison, *, title: str | None = None) -> Any:
    """The transition matrix as a heatmap with the counts written in the cells."""
    alt = _altair()
    labels = comparison.labels()
    cells = [{"before": fr, "after": to, "customers": n}
             for fr, to, n in comparison.transitions.select(
                 "before", "after", "customers").iter_rows()]
    base = alt.Chart(alt.Data(values=cells)).encode(
        x=alt.X("after:N", sort=labels, title="after"),
        y=alt.Y("before:N", sort=labels, title="before"),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("customers:Q", scale=alt.Scale(type="symlog", scheme="blues")),
        tooltip=["before:N", "after:N", "customers:Q"])
    text = base.mark_text().encode(text="customers:Q")
    return (rect + text).properties(
        title=title or f"grade transitions at {comparison.as_of.date().isoformat()}")


def grade_mix_area(table: TimelineTable, *, title: str = "grade mix over time") -> Any:
    """Customers per grade at each instant, stacked (``TimelineTable.grade_mix``)."""
    alt = _altair()
    mix = [{"instant": t.isoformat(), "grade": g, "customers": n}
           for t, g, n in table.grade_mix().iter_rows()]
    order = [g for g in LABELS if g in {m["grade"] for m in mix}]
    return alt.Chart(alt.Data(values=mix)).mark_area().encode(
        x=alt.X("instant:T", title="re-grade instant"),
        y=alt.Y("customers:Q", stack="zero"),
        color=alt.Color("grade:N", sort=order, scale=alt.Scale(
            domain=order, range=[GRADE_COLOURS[g] for g in order])),
        order=alt.Order("grade:N"),
        tooltip=["instant:T", "grade:N", "customers:Q"],
    ).properties(title=title)


def grade_timeline(timeline: Timeline, *, title: str | None = None) -> Any:
    """One customer's grade at each instant; a rule marks each instant with new events,
    its tooltip naming them."""
    alt = _altair()
    points = [{"instant": p.instant.isoformat(), "grade": p.grade or "-",
               "rules": ", ".join(p.rule_ids), "events": ", ".join(p.events)}
              for p in timeline.points]
    order = [g for g in LABELS if g != "error"]
    base = alt.Chart(alt.Data(values=points)).encode(x=alt.X("instant:T",
                                                             title="re-grade instant"))
    line = base.mark_line(interpolate="step-after", point=True).encode(
        y=alt.Y("grade:N", sort=order, scale=alt.Scale(domain=order), title="grade"),
        tooltip=["instant:T", "grade:N", "rules:N", "events:N"])
    moved = base.transform_filter("datum.events != ''").mark_rule(
        strokeDash=[3, 3], color="#c62828").encode(tooltip=["instant:T", "events:N"])
    return (moved + line).properties(title=title or f"grade of {timeline.customer_id}")
