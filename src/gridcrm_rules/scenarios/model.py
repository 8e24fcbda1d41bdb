"""The scenario file format (DESIGN.md "Scenario files"), validated by pydantic."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ErrorRecord, PackError

__all__ = ["Expectation", "Scenario", "load_scenario"]


class Expectation(BaseModel):
    """What a scenario expects; every key is optional and checks only what it names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    credit: dict[str, Any] | None = None
    entitlements: dict[str, Any] | None = None
    entitlements_exact: bool = False
    tasks: list[dict[str, Any]] | None = None
    tasks_exact: bool = False
    key_account: dict[str, Any] | None = None
    outcomes: dict[str, dict[str, Any]] | None = None
    errors: list[dict[str, Any]] | None = None
    """The decision's part errors (``Decision.errors``), each matched by the fields it names;
    a part error not listed here fails the scenario."""
    error: str | None = None
    """The evaluation as a whole is refused (e.g. invalid input) with this text."""


class Scenario(BaseModel):
    """One test case for a pack: a customer, its events, an instant and expectations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str = ""
    as_of: datetime | date | str
    packs: list[str] | None = None
    pack_params: dict[str, Any] = Field(default_factory=dict)
    customer: dict[str, Any]
    events: list[dict[str, Any]] = Field(default_factory=list)
    expect: Expectation
    path: Path | None = Field(default=None, exclude=True)


def load_scenario(path: Path) -> Scenario:
    """Read one scenario file; a malformed file is a :class:`PackError` naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PackError(str(path), [ErrorRecord("file_syntax", (str(path),), str(exc))]) from None
    try:
        return Scenario.model_validate({**(data or {}), "path": path})
    except ValidationError as exc:
        records = [
            ErrorRecord(e["type"], (str(path), *e["loc"]), e["msg"], e.get("input"))
            for e in exc.errors(include_url=False)
        ]
        raise PackError(str(path), records) from None
