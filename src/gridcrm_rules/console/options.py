"""Options several commands share: ``--format`` and the calendar's ``--schedule``.

Every command that evaluates (``demo``, ``test``, ``evaluate``) takes
``--schedule FILE`` (repeatable: each file adds or replaces official schedules,
see :func:`gridcrm_rules.load_schedules`) and ``--calendar-fallback weekdays``
(the calendar's named fallback for a year without a schedule; every use is
noted in the decision's trace).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, get_args

import yaml
from pydantic import ValidationError

from .._time import instant_argument
from ..calendar import Schedule, WorkingDayCalendar, load_schedules
from ..calendar.schedule import Fallback
from ..engine import Engine

__all__ = [
    "FORMATS",
    "add_calendar_options",
    "add_encoding_option",
    "add_format_option",
    "add_param_option",
    "calendar_from",
    "param_option",
    "param_value",
    "params_from",
    "schedules_file",
    "with_calendar",
]

FORMATS: Final = ("table", "json")


def add_format_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--format table|json``: text for people, or JSON lines for scripts."""
    parser.add_argument(
        "--format", choices=FORMATS, default="table",
        help=f"table (default) or json: one JSON object per line ({what})",
    )


def as_of_option(text: str) -> datetime:
    """An ``--as-of`` value: a date (00:00 Shanghai) or an ISO datetime with its offset;
    anything else is a ``ValueError`` naming the option and both forms (exit 2)."""
    return instant_argument(text, "--as-of")


def param_option(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` of a ``--param`` option, as (name, text of the value); ``ValueError``
    (a user error: one ``error:`` line, exit 2) without ``=``."""
    if "=" not in text:
        raise ValueError(f"--param: expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def param_value(text: str) -> Any:
    """A ``--param`` value as the pack reads it: ``true``/``false``, a whole number, a
    decimal number, else the text (the pack's parameter spec checks it)."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text
    if not number.is_finite():
        return number  # the parameter's spec refuses it
    return int(number) if number == number.to_integral_value() and "." not in text else number


def add_param_option(
    parser: argparse.ArgumentParser, help: str = "pack parameter NAME=VALUE (repeatable)"
) -> None:
    """``--param NAME=VALUE`` (repeatable): read by :func:`params_from`."""
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help=help)


def params_from(args: argparse.Namespace) -> dict[str, Any]:
    """The parameters of the ``--param`` options (:func:`add_param_option`)."""
    pairs = map(param_option, getattr(args, "param", None) or [])
    return {name: param_value(value) for name, value in pairs}


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    """``--encoding ENC``: the text encoding of CSV inputs (GBK from Chinese Excel)."""
    parser.add_argument(
        "--encoding", default="utf-8",
        help="text encoding of CSV inputs, e.g. gbk for Chinese Excel (default utf-8)")


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
    schedules = [s for path in files for s in schedules_file(path)]
    return WorkingDayCalendar.china(schedules=schedules, fallback=fallback)


def schedules_file(path: str) -> tuple[Schedule, ...]:
    """:func:`~gridcrm_rules.load_schedules` of a ``--schedule`` file; what is wrong with
    the file is a ``ValueError`` naming it (a user error: one ``error:`` message, exit 2)
    instead of the parser's or pydantic's own exception."""
    try:
        return load_schedules(path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise ValueError(f"{where}: not a well-formed YAML schedule file: "
                         f"{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:  # e.g. a control character (yaml.reader.ReaderError)
        reason = " ".join(str(exc).split())
        raise ValueError(f"{path}: not a well-formed YAML schedule file: {reason}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not a well-formed JSON schedule "
                         f"file: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not a well-formed TOML schedule file: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}"
            for e in exc.errors(include_url=False))
        raise ValueError(f"{path}: not a valid schedule file ({exc.error_count()} "
                         f"problem{'s' if exc.error_count() != 1 else ''}): {problems}"
                         ) from None


def with_calendar(engine: Engine, args: argparse.Namespace) -> Engine:
    """``engine`` with the calendar of the options (the same engine when none was given)."""
    calendar = calendar_from(args)
    return engine if calendar is None else engine.with_calendar(calendar)
