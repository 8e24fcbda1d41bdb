"""Human-readable views of a :class:`Decision`: plain text and notebook HTML."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decision import Decision, RuleHit

__all__ = ["explain_html", "explain_text"]


def _fmt(value: Any) -> str:
    return "—" if value is None else str(value)


def _hit_line(hit: RuleHit) -> str:
    reads = ", ".join(f"{k}={_fmt(v)}" for k, v in hit.reads.items())
    doc = f" [{hit.source.document}]" if hit.source.document else ""
    event = f" (event {hit.trigger_event_id})" if hit.trigger_event_id else ""
    return f"{hit.decision}: rule {hit.rule_id} (clause {hit.source.clause}){doc}{event}" + (
        f"\n      read: {reads}" if reads else ""
    )


def explain_text(d: Decision) -> str:
    """Text for logs and terminals: grade, entitlements, tasks, then every hit."""
    packs = ", ".join(f"{p.name} {p.version}" for p in d.trace.packs)
    lines = [f"Customer {d.customer_id} as of {d.as_of.isoformat()}  (packs: {packs})"]
    if d.credit is not None:
        c = d.credit
        prov = ", provisional (< 12 months of bills)" if c.provisional else ""
        lines.append(
            f"Credit grade: {_fmt(c.grade)}  by {', '.join(c.rule_ids) or 'no rule'}{prov}"
        )
        if c.grade != c.computed_grade:
            lines.append(f"  computed grade {_fmt(c.computed_grade)} before overrides")
        for o in c.overrides:
            extra = f": {o.detail}" if o.detail else ""
            lines.append(
                f"  override {o.event_id} by {o.by} {_fmt(o.from_grade)}->{o.to_grade} "
                f"[{o.status}{extra}] reason: {o.reason}"
            )
        facts = ", ".join(f"{k}={_fmt(v)}" for k, v in c.facts.items())
        lines.append(f"  facts: {facts}")
    if d.entitlements:
        lines.append("Entitlements:")
        for e in d.entitlements:
            params = ", ".join(f"{k}={_fmt(v)}" for k, v in e.params.items())
            lines.append(
                f"  {e.code}: {e.level} (clause {e.clause}, grade {_fmt(e.grade)})"
                + (f" {params}" if params else "")
            )
    if d.tasks:
        lines.append("Tasks:")
        for t in d.tasks:
            late = f", overdue by {t.overdue_by}" if t.overdue_by else ""
            left = f", {t.remaining_amount} remaining" if t.remaining_amount else ""
            lines.append(
                f"  {t.kind} [{t.clause}] due {t.due.isoformat()} ({t.basis}) "
                f"via {_fmt(t.channel)} by {_fmt(t.unit)}: {t.status}{late}{left}"
            )
    if d.key_account is not None:
        k = d.key_account
        lines.append(
            f"Key account: general={k.general} important={k.important} "
            f"category={_fmt(k.important_category)} type={_fmt(k.type)} tier={_fmt(k.tier)} "
            f"route={_fmt(k.route)}"
        )
        lines.extend(f"  check: {c}" for c in k.checks)
    lines.append(
        f"Trace: {d.trace.events_considered} events considered, "
        f"{d.trace.events_after_as_of} after as_of ignored; cutoff {d.trace.cutoff}"
    )
    lines.extend(f"  {_hit_line(h)}" for h in d.trace.hits)
    lines.extend(f"  note: {n}" for n in d.trace.notes)
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th style='text-align:left'>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def explain_html(d: Decision) -> str:
    """A compact HTML card for Jupyter: headline, tables, and the trace."""
    parts = [f"<div><strong>Customer {escape(d.customer_id)}</strong> as of {escape(str(d.as_of))}"]
    if d.credit is not None:
        c = d.credit
        parts.append(
            f"<p>Credit grade <strong>{escape(_fmt(c.grade))}</strong> "
            f"({escape(', '.join(c.rule_ids) or 'no rule')})"
            + (" — provisional" if c.provisional else "")
            + "</p>"
        )
        parts.append(_table(["fact", "value"], [[k, v] for k, v in c.facts.items()]))
        if c.overrides:
            parts.append(
                _table(
                    ["override", "by", "from", "to", "status", "detail"],
                    [
                        [o.event_id, o.by, o.from_grade, o.to_grade, o.status, o.detail]
                        for o in c.overrides
                    ],
                )
            )
    if d.entitlements:
        parts.append(
            _table(
                ["entitlement", "level", "clause", "params"],
                [[e.code, e.level, e.clause, e.params or None] for e in d.entitlements],
            )
        )
    if d.tasks:
        parts.append(
            _table(
                ["task", "clause", "event", "due", "basis", "channel", "unit", "status"],
                [
                    [
                        t.kind,
                        t.clause,
                        t.trigger_event_id,
                        t.due,
                        t.basis,
                        t.channel,
                        t.unit,
                        t.status,
                    ]
                    for t in d.tasks
                ],
            )
        )
    parts.append(
        "<details><summary>trace</summary><pre>"
        + escape("\n".join(_hit_line(h) for h in d.trace.hits))
        + "</pre></details></div>"
    )
    return "".join(parts)
