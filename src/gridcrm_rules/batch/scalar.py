"""The per-customer path of the batch backend: models back from canonical rows.

Rows the columnar code cannot decide are decided by :meth:`Engine.evaluate`
itself, so they get exactly what a caller of ``evaluate`` gets, errors included.
Facts of a provider without a columnar implementation are computed by the
provider's Python function, from the same :class:`FactContext` the engine
builds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from ..engine import Engine
from ..facts import FactContext, FactProvider
from ..models import Customer, Event, known_at, parse_events
from ._catalog import ROW
from .customers import CUSTOMER_SPECS, canonical_dtype
from .errors import ErrorRow, part_errors
from .result import TableLayout, decision_row, task_rows

__all__ = ["ScalarRunner"]

_CENT = Decimal("0.01")
_UTC_NAIVE = pl.Datetime("us")


def _event_dict(r: Mapping[str, Any]) -> dict[str, Any]:
    t = r["type"]
    out: dict[str, Any] = {"type": t, "id": r["id"]}
    if t == "bill_issued":
        out |= {"period": r["period"], "amount": Decimal(r["amount"]) * _CENT, "due": r["due"]}
    elif t == "payment_received":
        out |= {"at": r["at"], "amount": Decimal(r["amount"]) * _CENT}
        if r["bill_id"] is not None:
            out["bill_id"] = r["bill_id"]
    elif t == "monthly_consumption":
        out |= {"month": r["month"], "kwh": Decimal(r["kwh"])}
    else:
        out["at"] = r["at"]
    return out


class ScalarRunner:
    """Decides customers one by one with the engine, from the canonical frames."""

    def __init__(
        self, engine: Engine, layout: TableLayout, providers: tuple[FactProvider, ...],
        as_of: datetime, cutoff: date,
        customer_models: Mapping[int, Customer], event_models: Mapping[int, Event],
    ) -> None:
        self.engine = engine
        self.layout = layout
        self.providers = providers
        self.as_of = as_of
        self.cutoff = cutoff
        self.customer_models = customer_models
        self.event_models = event_models

    def customer(self, row: Mapping[str, Any]) -> Customer:
        """The customer model of a canonical customers row."""
        model = self.customer_models.get(row[ROW])
        if model is not None:
            return model
        data = {"id": row["customer_id"]}
        for name, spec in CUSTOMER_SPECS.items():
            if name != "id" and canonical_dtype(spec) is not None and row.get(name) is not None:
                data[name] = row[name]
        return Customer.model_validate(data)

    def events(self, rows: Iterable[Mapping[str, Any]]) -> list[Any]:
        """Event models (or dicts) of canonical events rows, in input order."""
        out: list[Any] = []
        for r in sorted(rows, key=lambda r: r[ROW]):
            model = self.event_models.get(r[ROW]) if r["__model"] else None
            out.append(model if model is not None else _event_dict(r))
        return out

    def context(self, customer: Customer, events: list[Any]) -> FactContext:
        """The FactContext the engine builds for this customer."""
        history = parse_events(events)
        known = known_at(history, self.as_of)
        return FactContext(customer, tuple(known), self.as_of, self.cutoff, self.engine.params)

    def python_facts(
        self, provider: FactProvider, customer: Customer, events: list[Any]
    ) -> Mapping[str, Any]:
        """One provider's facts for one customer, computed in Python."""
        return provider.compute(self.context(customer, events))

    def decide(
        self, cust_row: Mapping[str, Any], event_rows: Sequence[Mapping[str, Any]],
        facts: Mapping[str, Any],
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[ErrorRow]]:
        """(decisions row, task rows, errors) for one customer, via ``Engine.evaluate``.

        A customer ``evaluate`` refuses gives no row and one ``customers`` error; a
        decided customer gives its row and one ``decisions`` error per part that
        could not be decided (``Decision.errors``).

        ``facts`` are the customer's facts as the batch computed them (the decision's
        own credit facts take precedence, so the row shows what ``evaluate`` used).
        """
        row = cust_row[ROW]
        cid = cust_row["customer_id"]
        try:
            customer = self.customer(cust_row)
            events = self.events(event_rows)
            decision = self.engine.evaluate(customer, events, as_of=self.as_of)
            facts = dict(facts)
            if decision.credit is not None:
                facts.update(decision.credit.facts)
        except Exception as exc:  # every failure of one customer becomes its error row
            loc = getattr(exc, "loc", ())
            where = ".".join(str(p) for p in loc) if isinstance(loc, tuple) else ""
            kind = type(exc).__name__
            return None, [], [ErrorRow("customers", row, cid, where or "evaluate",
                                       "evaluation_error", f"{kind}: {exc}")]
        backend = ",".join(f"{p.name}=python" for p in self.providers)
        out = decision_row(decision, self.layout, facts, row, facts_backend=backend)
        return out, task_rows(cid, row, decision.tasks), part_errors(decision, row)
