"""Notebook views (``_repr_html_``) of the engine, batch results and verification reports.

The :class:`~gridcrm_rules.Decision` and :class:`~gridcrm_rules.Task` cards live
with the models (:mod:`gridcrm_rules.models.explain`); all views share the
inline-styled blocks of :mod:`gridcrm_rules.models._html`, so they read the same
inside and outside Jupyter.  Nothing here imports polars: a batch result brings
its own frames.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Final

from ._text import counted
from .models._html import badge, card, fmt, kv_table, section, table

if TYPE_CHECKING:
    from .batch.result import BatchResult
    from .engine import Engine
    from .verify import VerificationReport

__all__ = ["HEAD_ROWS", "batch_html", "engine_html", "verification_html"]

HEAD_ROWS: Final = 5
"""Rows of each table a batch result shows."""


def engine_html(engine: Engine) -> str:
    """Packs and versions, decisions, the calendar, and every parameter in force."""
    packs = table(["pack", "version"],
                  [[escape(p.name), escape(p.version)] for p in engine.packs])
    decisions = table(
        ["decision", "over", "hit policy", "rules"],
        [[escape(d.name), escape(d.spec.over), escape(d.spec.hit_policy),
          str(len(d.spec.rules))] for d in engine.program.decisions],
    )
    cal = engine.calendar
    years = ", ".join(str(y) for y in sorted(cal.covered_years))
    calendar = kv_table({"official schedules for": years or "—", "fallback": cal.fallback})
    return card("Engine", f"{len(engine.packs)} packs", [
        section("Packs", packs), section("Decisions", decisions),
        section("Working-day calendar", calendar),
        section("Parameters", kv_table(dict(sorted(engine.params.items())))),
    ])


def batch_html(result: BatchResult) -> str:
    """Counts, the grade mix, the notes and the first rows of each table."""
    d, t, e = result.decisions, result.tasks, result.errors
    counts = kv_table({"decided customers": d.height, "tasks": t.height,
                       "error records": e.height, "seconds": f"{result.seconds:.2f}"})
    parts = [section("Counts", counts)]
    grades = result.grade_counts()
    if grades:
        total = sum(grades.values()) or 1
        parts.append(section("Grade mix", table(
            ["grade", "customers", "share"],
            [[badge(g) if g else badge("ungraded", "none"), str(n), f"{100 * n / total:.1f} %"]
             for g, n in grades.items()],
        )))
    if "status" in t.columns and t.height:
        by_status = dict(t.group_by("status").len().sort("status").iter_rows())
        parts.append(section("Task status", kv_table(by_status)))
    if result.notes:
        notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
        parts.append(section("Notes", f"<ul style='margin:2px 0 6px 18px;padding:0'>{notes}</ul>"))
    for name, frame in (("decisions", d), ("tasks", t), ("errors", e)):
        if frame.height:
            head = frame.head(HEAD_ROWS)
            rows = [[escape(fmt(v, c)) for c, v in zip(head.columns, r, strict=True)]
                    for r in head.iter_rows()]
            shown = f"first {head.height} of {frame.height} rows" if frame.height > head.height \
                else f"{frame.height} rows"
            parts.append(section(f"{name} ({shown}, {frame.width} columns)",
                                 "<div style='overflow-x:auto'>"
                                 + table(list(head.columns), rows) + "</div>"))
    return card("BatchResult", result.summary(), parts)


def verification_html(report: VerificationReport) -> str:
    """One decision table's verification: verdict, gaps, overlaps, unreachable rules."""
    if not report.complete:
        verdict = badge("not verified") + f" {escape(report.reason)}"
    else:
        verdict = (badge("ok") if report.ok else badge("gap" if report.gaps else "overlap",
                                                        "gap"))
        verdict += f" {counted(report.points, 'combination')} checked"
    parts = [f"<div>{verdict}</div>"]
    if report.gaps:
        parts.append(section("Gaps (no rule fires)", table(
            ["where"], [[escape(str(g))] for g in report.gaps])))
    if report.overlaps:
        parts.append(section("Overlaps", table(
            ["where"], [[escape(str(o))] for o in report.overlaps])))
    if report.never_chosen:
        parts.append(section("Rules that can never be chosen", table(
            ["rule"], [[escape(r)] for r in report.never_chosen])))
    return card(f"Decision {report.decision}", f"hit policy {report.hit_policy}", parts)
