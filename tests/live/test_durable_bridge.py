"""``gridcrm_rules.live.durable``: a durable_rules ruleset feeds a live session and
receives its change records as events or facts.  Skipped without durable-rules
(Python >= 3.13 has no build)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

durable_lang = pytest.importorskip("durable.lang")

from pydantic import BaseModel  # noqa: E402

from gridcrm_rules.live.durable import change_message, forward  # noqa: E402


class _Arrears(BaseModel):
    """A change-record-shaped model with a Decimal and an aware datetime."""

    kind: str = "grade_changed"
    customer_id: str
    at: datetime
    to_grade: str
    amount: Decimal
    clause_ids: tuple[str, ...] = ("CR-2.1",)


class _Session:
    """A double of the live session's ``post``: an event with ``amount`` > 1000 is a
    change to D; a bad event raises and records nothing."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []

    def post(self, customer_id: str, event: dict[str, Any]) -> tuple[_Arrears, ...]:
        if event.get("amount") is None:
            raise ValueError("amount missing")
        self.posted.append((customer_id, event))
        amount = Decimal(event["amount"])
        if amount <= 1000:
            return ()
        return (_Arrears(customer_id=customer_id, at=datetime(2026, 5, 1, tzinfo=UTC),
                         to_grade="D", amount=amount),)


def _ruleset(live: _Session, as_facts: bool, seen: list[dict[str, Any]]) -> str:
    from durable.lang import m, ruleset, when_all

    name = f"bridge-{uuid.uuid4().hex}"  # durable_rules' ruleset names are process-wide
    with ruleset(name):
        @when_all(m.type == "bill")
        def on_bill(c: Any) -> None:
            forward(c, live, c.m.customer, {"amount": c.m.amount}, as_facts=as_facts)

        @when_all(m.kind == "grade_changed")
        def on_change(c: Any) -> None:
            seen.append({"customer_id": c.m.customer_id, "to": c.m.to_grade,
                         "amount": c.m.amount, "at": c.m.at})
    return name


@pytest.mark.parametrize("as_facts", [False, True])
def test_changes_come_back_into_the_ruleset(as_facts: bool) -> None:
    from durable.lang import post

    live, seen = _Session(), []  # type: ignore[var-annotated]
    name = _ruleset(live, as_facts, seen)
    post(name, {"type": "bill", "customer": "C1", "amount": "500.00"})
    assert seen == []
    assert live.posted == [("C1", {"amount": "500.00"})]
    post(name, {"type": "bill", "customer": "C1", "amount": "1500.50"})
    assert seen == [{"customer_id": "C1", "to": "D", "amount": "1500.50",
                     "at": "2026-05-01T00:00:00Z"}]


def test_change_message_is_plain_json_with_a_content_id() -> None:
    a = _Arrears(customer_id="C1", at=datetime(2026, 5, 1, tzinfo=UTC), to_grade="D",
                 amount=Decimal("1.10"))
    message = change_message(a)
    assert message["amount"] == "1.10"
    assert message["clause_ids"] == ["CR-2.1"]
    assert message["id"].startswith("C1/grade_changed/2026-05-01T00:00:00Z/")
    assert change_message(a)["id"] == message["id"]
    assert change_message(a.model_copy(update={"amount": Decimal("2")}))["id"] != message["id"]
    # equal changes from different posts (or places in one post) keep apart
    assert change_message(a, origin="e1#0")["id"] == message["id"] + "/e1#0"
    assert change_message(a, origin="e1#0")["id"] != change_message(a, origin="e2#0")["id"]


@pytest.mark.parametrize("as_facts", [False, True])
def test_forward_ids_equal_changes_apart(as_facts: bool) -> None:
    """Two equal changes (the same record reported by two posts) reach durable_rules as
    two messages: their ids carry the posted event's id (durable_rules refuses a second
    fact with the id of one it holds: ``MessageObservedException``)."""
    from durable.lang import post

    live, seen = _Session(), []  # type: ignore[var-annotated]
    from durable.lang import m, ruleset, when_all

    name = f"bridge-{uuid.uuid4().hex}"
    with ruleset(name):
        @when_all(m.type == "bill")
        def on_bill(c: Any) -> None:
            forward(c, live, c.m.customer, {"id": c.m.bill, "amount": c.m.amount},
                    as_facts=as_facts)

        @when_all(m.kind == "grade_changed")
        def on_change(c: Any) -> None:
            seen.append(c.m.id)

    post(name, {"type": "bill", "bill": "b1", "customer": "C1", "amount": "1500.50"})
    post(name, {"type": "bill", "bill": "b2", "customer": "C1", "amount": "1500.50"})
    assert len(seen) == 2
    assert seen[0].endswith("/b1#0")
    assert seen[1].endswith("/b2#0")


def test_a_refused_event_sends_nothing() -> None:
    from durable.lang import post

    live, seen = _Session(), []  # type: ignore[var-annotated]
    name = _ruleset(live, False, seen)
    # durable_rules catches an action's exception and keeps it in the session state.
    state = post(name, {"type": "bill", "customer": "C1"})
    assert "amount missing" in state["exception"]
    assert seen == []
    assert live.posted == []
