"""Small HTML building blocks for notebook views, styled inline.

Every element carries its own ``style`` attribute, so a view reads the same in
Jupyter, VS Code, an exported HTML file or an e-mail, whatever CSS surrounds it.
All text is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import escape
from typing import Final

from .display import format_duration, format_number

__all__ = ["badge", "card", "fmt", "kv_table", "section", "table"]

FONT: Final = "font-family:system-ui,-apple-system,'Segoe UI','Noto Sans SC',sans-serif"
_CARD: Final = (f"{FONT};font-size:13px;line-height:1.45;color:#1f2328;background:#ffffff;"
                "border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;"
                "max-width:980px;margin:4px 0")
_TABLE: Final = "border-collapse:collapse;margin:4px 0 8px 0;font-size:12px"
_TH: Final = ("text-align:left;padding:3px 8px;border-bottom:2px solid #d0d7de;"
              "background:#f6f8fa;color:#1f2328;font-weight:600")
_TD: Final = "text-align:left;padding:3px 8px;border-bottom:1px solid #eaeef2;color:#1f2328"
_H: Final = "margin:10px 0 2px 0;font-size:13px;font-weight:600;color:#1f2328"
_MONEY_SUFFIXES: Final = ("amount", "credit")

BADGE_COLOURS: Final[Mapping[str, str]] = {
    "A": "#1a7f37", "B": "#0969da", "C": "#bc4c00", "D": "#cf222e",
    "open": "#0969da", "on_time": "#1a7f37", "overdue": "#cf222e",
    "ok": "#1a7f37", "gap": "#cf222e", "not verified": "#6e7781", "none": "#6e7781",
}


def fmt(value: object, name: str = "") -> str:
    """A value as readable text: money with thousands separators and 元, no Python reprs."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        shown = Decimal(format_number(value)) if value.is_finite() else value
        if not name.endswith(_MONEY_SUFFIXES):
            return f"{shown:,f}"
        return f"{shown:,.2f} 元"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, tuple | list):
        return ", ".join(fmt(v) for v in value) or "—"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {fmt(v, str(k))}" for k, v in value.items()) or "—"
    return str(value)


def badge(text: str, colour_key: str | None = None) -> str:
    """A coloured label (grade, task status, verification result)."""
    colour = BADGE_COLOURS.get(colour_key if colour_key is not None else text, "#6e7781")
    return (f"<span style='display:inline-block;padding:0 7px;border-radius:10px;"
            f"background:{colour};color:#ffffff;font-weight:600;font-size:12px'>"
            f"{escape(text)}</span>")


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    row_styles: Sequence[str] | None = None,
) -> str:
    """A table of already-formatted (escaped or HTML) cells."""
    head = "".join(f"<th style=\"{_TH}\">{escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        extra = row_styles[i] if row_styles is not None else ""
        cells = "".join(f"<td style=\"{_TD}\">{cell}</td>" for cell in row)
        body.append(f"<tr style=\"{extra}\">{cells}</tr>")
    return (f"<table style=\"{_TABLE}\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def kv_table(items: Mapping[str, object]) -> str:
    """A two-column name/value table, values formatted with :func:`fmt`."""
    return table(["name", "value"],
                 [[escape(k), escape(fmt(v, k))] for k, v in items.items()])


def section(title: str, body: str) -> str:
    """A titled part of a card."""
    return f"<div style=\"{_H}\">{escape(title)}</div>{body}"


def card(title: str, subtitle: str, parts: Iterable[str]) -> str:
    """The outer box of a view."""
    head = (f"<div style='font-size:15px;font-weight:600'>{escape(title)} "
            f"<span style='font-weight:400;color:#57606a;font-size:12px'>"
            f"{escape(subtitle)}</span></div>")
    return f"<div style=\"{_CARD}\">{head}{''.join(parts)}</div>"
