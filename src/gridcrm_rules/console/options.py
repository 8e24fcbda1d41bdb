"""Options several commands share: ``--format`` and the calendar's ``--schedule``.

Every command that evaluates (``demo``, ``test``, ``evaluate``) takes
``--schedule FILE`` (repeatable: each file adds or replaces official schedules,
see :func:`gridcrm_rules.load_schedules`) and ``--calendar-fallback weekdays``
(the calendar's named fallback for a year without a schedule; every use is
noted in the decision's trace).
"""

from __future__ import annotations

import argparse
from typing import Final, get_args

from ..calendar import WorkingDayCalendar, load_schedules
from ..calendar.schedule import Fallback
from ..engine import Engine

__all__ = ["FORMATS", "add_calendar_options", "add_format_option", "calendar_from",
           "with_calendar"]

FORMATS: Final = ("table", "json")


def add_format_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--format table|json``: text for people, or JSON lines for scripts."""
    parser.add_argument(
        "--format", choices=FORMATS, default="table",
        help=f"table (default) or json: one JSON object per line ({what})",
    )


def add_calendar_options(parser: argparse.ArgumentParser) -> None:
    """``--schedule FILE`` (repeatable) and ``--calendar-fallback NAME``."""
    parser.add_argument(
        "--schedule", action="append", default=[], metavar="FILE",
        help="working-day schedule file (.yaml/.json/.toml) adding or replacing a year's "
        "official schedule, e.g. next year's State Council notice (repeatable)",
    )
    parser.add_argument(
        "--calendar-fallback", choices=get_args(Fallback), default=None,
        help="for a year without a schedule, count Monday-Friday as working days "
        "instead of refusing (every use is noted in the trace)",
    )


def calendar_from(args: argparse.Namespace) -> WorkingDayCalendar | None:
    """The calendar the options ask for, or None when neither option was given."""
    files: list[str] = getattr(args, "schedule", None) or []
    fallback: Fallback | None = getattr(args, "calendar_fallback", None)
    if not files and fallback is None:
        return None
    schedules = [s for path in files for s in load_schedules(path)]
    return WorkingDayCalendar.china(schedules=schedules, fallback=fallback)


def with_calendar(engine: Engine, args: argparse.Namespace) -> Engine:
    """``engine`` with the calendar of the options (the same engine when none was given)."""
    calendar = calendar_from(args)
    return engine if calendar is None else engine.with_calendar(calendar)
