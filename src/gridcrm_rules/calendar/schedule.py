"""Official holiday schedules as data (RULES.md §0, "Working days").

Every year the State Council (国务院办公厅) publishes a notice listing the days
off (放假) and the weekend days declared working days (调休上班).  A
:class:`Schedule` holds one such notice -- or a provincial variant of it -- as
plain data, so a user can add next year's notice from a YAML, JSON or TOML
file without waiting for a release of this library or of ``chinesecalendar``.

Holiday dates are data; the arithmetic lives in
:mod:`gridcrm_rules.calendar.working_days`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Fallback", "Schedule", "load_schedules"]

Fallback = Literal["weekdays"]
"""Named fallbacks for years without an official schedule.

``"weekdays"``: Monday to Friday are working days, Saturday and Sunday are
not, and there are no holidays and no make-up days.  It is a *guess*; a
calendar only uses it when the caller opted in, and reports every use.
"""

_SATURDAY = 5


class Schedule(BaseModel):
    """One official (or provincial) working-day schedule for one year.

    Attributes
    ----------
    year
        The year the notice is about.
    name
        A human-readable name, e.g. ``"国务院办公厅关于2027年部分节假日安排的通知"``.
    source
        Where the data comes from (a URL, a document number), or ``None``.
    days_off
        Every day of the holiday periods (放假), weekend days included or not --
        a weekend day listed here changes nothing, so a notice's periods can be
        copied as written (e.g. "2月15日至23日放假").
    make_up_working_days
        Saturdays and Sundays declared working days (调休上班).

    Validation
    ----------
    * Dates may lie in ``year`` or in an adjacent year: notices sometimes place a
      make-up day in the last days of the year before (e.g. 2011-12-31 for New
      Year 2012).  Anything further away is rejected as a likely typo.
    * A make-up working day must be a Saturday or Sunday.
    * No date may be both a day off and a make-up working day.
    * Both tuples are sorted and de-duplicated, so equal notices compare equal.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=1901, le=2199)
    name: str = Field(min_length=1)
    source: str | None = None
    days_off: tuple[date, ...] = ()
    make_up_working_days: tuple[date, ...] = ()

    @field_validator("days_off", "make_up_working_days")
    @classmethod
    def _sorted_unique(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(value)))

    @field_validator("make_up_working_days")
    @classmethod
    def _make_up_on_weekend(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        weekdays = [d.isoformat() for d in value if d.weekday() < _SATURDAY]
        if weekdays:
            raise ValueError(
                "expected make-up working days on a Saturday or Sunday, got weekday(s) "
                + ", ".join(weekdays)
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Schedule:
        allowed = range(self.year - 1, self.year + 2)
        far = [
            d.isoformat()
            for d in (*self.days_off, *self.make_up_working_days)
            if d.year not in allowed
        ]
        if far:
            raise ValueError(
                f"expected dates in {self.year} or an adjacent year, got " + ", ".join(far)
            )
        both = sorted(set(self.days_off) & set(self.make_up_working_days))
        if both:
            raise ValueError(
                "a date cannot be both a day off and a make-up working day: "
                + ", ".join(d.isoformat() for d in both)
            )
        return self


class _ScheduleFile(BaseModel):
    """The ``schedules:`` list form of a schedule file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schedules: tuple[Schedule, ...]


def load_schedules(
    source: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> tuple[Schedule, ...]:
    """Read schedules from a file or from already-parsed data.

    ``source`` is a path to a ``.yaml``/``.yml``, ``.json`` or ``.toml`` file, or
    the parsed content itself.  The content is either one schedule (a mapping
    with ``year``, ``name``, ...) or a mapping with a single key ``schedules``
    holding a list of them (a bare list is accepted too).

    Returns the schedules in file order.  Invalid content raises
    :class:`pydantic.ValidationError` listing every problem with its location
    (e.g. ``schedules.1.make_up_working_days``); an unknown file suffix raises
    ``ValueError``.
    """
    data: Any = _read_file(Path(source)) if isinstance(source, str | os.PathLike) else source
    if isinstance(data, Mapping) and "schedules" in data:
        return _ScheduleFile.model_validate(data).schedules
    if isinstance(data, Mapping):
        return (Schedule.model_validate(data),)
    return _ScheduleFile.model_validate({"schedules": data}).schedules


def _read_file(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    if suffix == ".json":
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    if suffix == ".toml":
        with path.open("rb") as fh:
            return tomllib.load(fh)
    raise ValueError(f"expected a .yaml, .yml, .json or .toml schedule file, got {path.name!r}")
