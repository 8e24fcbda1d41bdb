"""The scenario file format (DESIGN.md "Scenario files"), validated by pydantic."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import SkipJsonSchema

from ..errors import ErrorRecord, PackError
from ..packs.positions import syntax_error

__all__ = ["Expectation", "Scenario", "load_scenario"]


class Expectation(BaseModel):
    """What a scenario expects; every key is optional and checks only what it names."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    credit: dict[str, Any] | None = None
    """Fields of the credit result (grade, rule_ids, computed_grade, ...) or its facts."""
    entitlements: dict[str, Any] | None = None
    """Entitlement code -> expected level, or a mapping of fields to check."""
    entitlements_exact: bool = False
    """True: no entitlement codes besides the listed ones."""
    tasks: list[dict[str, Any]] | None = None
    """Each listed task (a mapping of fields) must match one produced task."""
    tasks_exact: bool = False
    """True: no tasks besides the listed ones."""
    key_account: dict[str, Any] | None = None
    """Fields of the key-account profile."""
    outcomes: dict[str, dict[str, Any]] | None = None
    """Decision name -> fields of its outcome (values, rule_ids)."""
    errors: list[dict[str, Any]] | None = None
    """The decision's part errors (``Decision.errors``), each matched by the fields it names;
    a part error not listed here fails the scenario."""
    error: str | None = None
    """The evaluation as a whole is refused (e.g. invalid input) with this text."""


class Scenario(BaseModel):
    """One test case for a pack: a customer, its events, an instant and expectations."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """What the scenario shows, in one line; failures are reported under it."""
    description: str = ""
    """Longer notes: the clause and why the expectation holds."""
    as_of: datetime | date | str
    """The evaluation instant (ISO date or datetime with offset)."""
    packs: list[str] | None = None
    """Exactly these packs (names, or paths relative to the file); default: the runner's."""
    pack_params: dict[str, Any] = Field(default_factory=dict)
    """Parameter name -> value for this scenario."""
    customer: dict[str, Any]
    """The customer record (the Customer model's fields)."""
    events: list[dict[str, Any]] = Field(default_factory=list)
    """The customer's events (each with ``type``, ``id`` and ``at``)."""
    expect: Expectation
    """What the packs must decide; every key checks only what it names."""
    path: SkipJsonSchema[Path | None] = Field(default=None, exclude=True)
    """The file the scenario was read from (set by the loader)."""


_PACK_KEYS = frozenset({"decisions", "extends", "requires"})
"""Top-level keys of a pack file that no scenario has (a pack given as a scenario)."""


def load_scenario(path: Path) -> Scenario:
    """Read one scenario file; a malformed file is a :class:`PackError` naming it."""
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PackError(str(path), [syntax_error(str(path), exc, text)]) from None
    if isinstance(data, dict) and "expect" not in data and _PACK_KEYS & data.keys():
        keys = ", ".join(sorted(_PACK_KEYS & data.keys()))
        raise PackError(str(path), [ErrorRecord(
            "not_a_scenario", (str(path),),
            f"this looks like a pack file (it has {keys} and no expect), not a scenario: "
            "give a pack with --pack or --only", None)])
    try:
        return Scenario.model_validate({**(data or {}), "path": path})
    except ValidationError as exc:
        records = [
            ErrorRecord(e["type"], (str(path), *e["loc"]), e["msg"], e.get("input"))
            for e in exc.errors(include_url=False)
        ]
        raise PackError(str(path), records) from None
