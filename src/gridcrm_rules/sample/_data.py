"""The bundled sample files: how they are written and how they are read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from importlib import resources
from typing import Any

from .._time import SHANGHAI
from ._sample import AS_OF, AS_OF_TIME, GeneratedSample, events_by_customer

__all__ = ["DATA_FILES", "SampleData", "load_sample", "render_files"]

DATA_FILES = ("customers.json", "events.json", "profiles.json", "expected.json")
"""The files under ``gridcrm_rules/sample/data``."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _list(items: list[dict[str, Any]]) -> str:
    return "[\n" + ",\n".join(_dumps(i) for i in items) + "\n]\n"


def _mapping(items: dict[str, Any]) -> str:
    return "{\n" + ",\n".join(f"{_dumps(k)}: {_dumps(v)}" for k, v in items.items()) + "\n}\n"


def render_files(sample: GeneratedSample) -> dict[str, str]:
    """File name → text of each bundled file: one JSON object per line."""
    return {
        "customers.json": _list(sample.customers),
        "events.json": _list(sample.events),
        "profiles.json": _mapping(sample.profiles),
        "expected.json": _mapping(sample.expected),
    }


@dataclass(frozen=True)
class SampleData:
    """The bundled sample: 60 customers, their events, profiles and expectations.

    ``events`` is one flat table (each event carries ``customer_id``);
    :meth:`events_for` gives one customer's history ready for ``parse_events``.
    ``expected`` holds, per customer, the profile, the credit grade and rule id
    the default packs must give at ``as_of``, whether it is provisional, the
    key-account flags and how many events lie after ``as_of``.
    """

    customers: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]
    profiles: dict[str, str]
    expected: dict[str, dict[str, Any]]
    as_of: datetime

    @cached_property
    def _by_customer(self) -> dict[str, list[dict[str, Any]]]:
        return events_by_customer(self.events)

    def events_for(self, customer_id: str) -> list[dict[str, Any]]:
        """One customer's events without ``customer_id`` (fresh dicts each call)."""
        return [dict(e) for e in self._by_customer.get(customer_id, [])]

    def customer(self, customer_id: str) -> dict[str, Any]:
        """One customer record (a fresh dict); ``KeyError`` if there is none."""
        for c in self.customers:
            if c["id"] == customer_id:
                return dict(c)
        raise KeyError(customer_id)


def _read(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath("data", name).read_text("utf-8"))


def load_sample() -> SampleData:
    """Read the bundled sample (shipped in the wheel under ``sample/data``)."""
    return SampleData(
        customers=tuple(_read("customers.json")),
        events=tuple(_read("events.json")),
        profiles=_read("profiles.json"),
        expected=_read("expected.json"),
        as_of=datetime.combine(AS_OF, AS_OF_TIME, tzinfo=SHANGHAI),
    )
