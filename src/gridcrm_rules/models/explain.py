"""Human-readable views of a :class:`Decision`: plain text and notebook HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any, Final

from ._html import badge, card, fmt, kv_table, section, table
from .display import DISPLAY_STEP, format_duration, format_number, readable_duration

if TYPE_CHECKING:
    from .decision import Decision, PartError, RuleHit, Task

__all__ = [
    "DISPLAY_STEP", "explain_html", "explain_text", "format_duration", "format_number",
    "task_html",
]




def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal | float):
        return format_number(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in value.items())
    return str(value)


def _citation(hit: RuleHit) -> str:
    title = hit.source.title or hit.source.document
    return f"clause {hit.source.clause}, {title}" if title else f"clause {hit.source.clause}"


def _hit_line(hit: RuleHit) -> str:
    reads = ", ".join(f"{k}={_fmt(v)}" for k, v in hit.reads.items())
    event = f" (event {hit.trigger_event_id})" if hit.trigger_event_id else ""
    text = f"{hit.decision}: rule {hit.rule_id} ({_citation(hit)}){event}"
    if hit.source.text:
        text += f"\n      「{hit.source.text.strip()}」"
    return text + (f"\n      read: {reads}" if reads else "")


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
            # readable, not ISO 8601 (the exact value is in the Decision and its JSON)
            late = f", overdue by {readable_duration(t.overdue_by)}" if t.overdue_by else ""
            left = f", {_fmt(t.remaining_amount)} remaining" if t.remaining_amount else ""
            lines.append(
                f"  {t.kind} [{t.clause}] due {t.due.isoformat() if t.due else None} "
                f"({t.basis}) "
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
    if d.errors:
        lines.append("Not decided:")
        lines.extend(f"  {_error_line(e)}" for e in d.errors)
    return "\n".join(lines)


_OVERDUE_ROW: Final = "background:#ffebe9"


def _task_rows(tasks: Sequence[Task]) -> tuple[list[list[str]], list[str]]:
    rows, styles = [], []
    for t in tasks:
        late = f" by {readable_duration(t.overdue_by)}" if t.overdue_by else ""
        done = f" (done {fmt(t.completed_at)})" if t.completed_at else ""
        if t.remaining_amount:
            done += f", {fmt(t.remaining_amount, 'amount')} remaining"
        rows.append([
            escape(t.kind), escape(t.clause), escape(fmt(t.trigger_event_id)),
            escape(fmt(t.due)), escape(fmt(t.basis)), escape(fmt(t.channel)), escape(fmt(t.unit)),
            badge(t.status) + escape(late + done),
        ])
        styles.append(_OVERDUE_ROW if t.status == "overdue" else "")
    return rows, styles


def task_html(t: Task) -> str:
    """One task as a small card; an overdue task is marked red."""
    rows, styles = _task_rows([t])
    return card(f"Task {t.kind}", f"clause {t.clause}", [table(_TASK_HEADERS, rows,
                                                                row_styles=styles)])


_TASK_HEADERS: Final = ["task", "clause", "event", "due", "basis", "channel", "unit", "status"]


def _credit_parts(d: Decision) -> list[str]:
    c = d.credit
    if c is None:
        return []
    grade = badge(c.grade) if c.grade else badge("ungraded", "none")
    line = (f"<div>Credit grade {grade} by {escape(', '.join(c.rule_ids) or 'no rule')}"
            + (" — provisional (&lt; 12 months of bills)" if c.provisional else "")
            + (f"; computed {escape(fmt(c.computed_grade))} before overrides"
               if c.grade != c.computed_grade else "")
            + "</div>")
    parts = [section("Credit", line + kv_table(c.facts))]
    if c.overrides:
        parts.append(section("Overrides", table(
            ["override", "by", "from", "to", "status", "expires", "reason", "detail"],
            [[escape(o.event_id), escape(o.by), escape(fmt(o.from_grade)), escape(o.to_grade),
              escape(o.status), escape(fmt(o.expires)), escape(o.reason), escape(fmt(o.detail))]
             for o in c.overrides],
        )))
    return parts


def _key_account_part(d: Decision) -> list[str]:
    k = d.key_account
    if k is None:
        return []
    items = {"general (一般重点客户)": k.general, "important (重要客户)": k.important,
             "important category": k.important_category, "type": k.type, "tier": k.tier,
             "route": k.route}
    checks = "".join(f"<li>{escape(c)}</li>" for c in k.checks)
    return [section("Key account", kv_table(items)
                    + (f"<div>Checks:</div><ul style='margin:2px 0 6px 18px;padding:0'>"
                       f"{checks}</ul>" if checks else ""))]


def _error_line(e: PartError) -> str:
    """One part that could not be decided, with what to do about it."""
    where = ".".join(e.loc)
    about = ", ".join(f"{k} {v}" for k, v in (("clause", e.clause), ("event",
                      e.trigger_event_id), ("year", e.year)) if v is not None)
    return (f"{where}: {e.msg} [{e.type}]" + (f" ({about})" if about else "")
            + (f"; {e.hint}" if e.hint else ""))



def explain_html(d: Decision) -> str:
    """The decision as an HTML card: credit, entitlements, tasks, key account, trace.

    Styled inline (readable outside Jupyter's CSS), money formatted, overdue tasks marked.
    """
    packs = ", ".join(f"{p.name} {p.version}" for p in d.trace.packs)
    parts = _credit_parts(d)
    if d.entitlements:
        parts.append(section("Entitlements", table(
            ["entitlement", "level", "clause", "grade", "details"],
            [[escape(e.code), escape(e.level), escape(e.clause), escape(fmt(e.grade)),
              escape(fmt(e.params) if e.params else "—")] for e in d.entitlements],
        )))
    if d.tasks:
        rows, styles = _task_rows(d.tasks)
        overdue = sum(t.status == "overdue" for t in d.tasks)
        title = f"Tasks ({len(d.tasks)}, {overdue} overdue)" if overdue else "Tasks"
        parts.append(section(title, table(_TASK_HEADERS, rows, row_styles=styles)))
    if d.errors:
        parts.append(section(f"Not decided ({len(d.errors)})", table(
            ["part", "type", "why", "clause", "event", "what to do"],
            [[escape(".".join(str(p) for p in e.loc)), escape(e.type), escape(e.msg),
              escape(fmt(e.clause)), escape(fmt(e.trigger_event_id)), escape(fmt(e.hint))]
             for e in d.errors],
            row_styles=[_OVERDUE_ROW] * len(d.errors),
        )))
    parts += _key_account_part(d)
    trace = "\n".join([*(_hit_line(h) for h in d.trace.hits),
                       *(f"note: {n}" for n in d.trace.notes)])
    parts.append(
        f"<details style='margin-top:8px'><summary style='cursor:pointer'>Trace: "
        f"{d.trace.events_considered} events considered, {d.trace.events_after_as_of} after "
        f"as_of ignored; cutoff {escape(str(d.trace.cutoff))}; packs {escape(packs)}"
        f"</summary><pre style='white-space:pre-wrap;font-size:12px;background:#f6f8fa;"
        f"color:#1f2328;padding:6px'>{escape(trace)}</pre></details>"
    )
    return card(f"Customer {d.customer_id}", f"as of {d.as_of.isoformat()}", parts)
