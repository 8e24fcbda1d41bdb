"""The JSON Schemas of pack files and scenario files, generated from the pydantic models.

:class:`PackSpec` keeps ``decisions`` and ``params`` loose (a decision is a full
:class:`DecisionSpec` or, in an extending pack, a :class:`DecisionPatch`, told
apart only once the base is known), so the editor schema is generated from a
documentation twin that spells those two maps out.  The generated schemas are
shipped as ``gridcrm_rules/schemas/{pack,scenario}.schema.json`` (a test keeps
the files equal to what this module generates) for editors::

    # yaml-language-server: $schema=https://.../pack.schema.json
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any, Final

from pydantic import Field

from .schema import DecisionPatch, DecisionSpec, Identifier, PackSpec, ParamSpec

__all__ = ["SCHEMA_FILES", "json_schema", "pack_json_schema", "scenario_json_schema", "shipped"]

_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

SCHEMA_FILES: Final = {"pack": "pack.schema.json", "scenario": "scenario.schema.json"}
"""Schema kind -> file name under ``gridcrm_rules/schemas``."""


class PackFile(PackSpec):
    """A gridcrm-rules pack file: parameters and decision tables (docs/packs.md)."""

    params: dict[Identifier, ParamSpec | bool | int | Decimal | str | date | datetime | None] = (
        Field(default_factory=dict)
    )
    """Parameter name -> a declaration (with ``type``) or, for a parameter of the base
    pack, its new value."""
    decisions: dict[Identifier, DecisionSpec | DecisionPatch] = Field(  # type: ignore[assignment]
        default_factory=dict
    )
    """Decision name -> a full decision or, for a decision of the base pack, a patch."""


def _finish(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {"$schema": _DIALECT, **schema, "title": title}


def pack_json_schema() -> dict[str, Any]:
    """The JSON Schema of a pack file (every decision, rule, output and parameter key)."""
    return _finish(PackFile.model_json_schema(), "gridcrm-rules pack")


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (docs/scenarios.md)."""
    from ..scenarios.model import Scenario

    return _finish(Scenario.model_json_schema(), "gridcrm-rules scenario")


def json_schema(kind: str) -> dict[str, Any]:
    """``pack_json_schema()`` or ``scenario_json_schema()`` by name."""
    makers = {"pack": pack_json_schema, "scenario": scenario_json_schema}
    if kind not in makers:
        raise ValueError(f"no schema {kind!r}; expected one of {sorted(makers)}")
    return makers[kind]()


def render(schema: dict[str, Any]) -> str:
    """The text of a shipped schema file (stable key order, UTF-8, trailing newline)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def shipped(kind: str) -> str:
    """The text of the schema file shipped in the wheel."""
    ref = resources.files("gridcrm_rules") / "schemas" / SCHEMA_FILES[kind]
    return ref.read_text(encoding="utf-8")
