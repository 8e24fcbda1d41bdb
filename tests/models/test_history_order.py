"""``history_key``: the one definition of a history's order.

It must order exactly as ``(event_instant, type, id)`` does with aware datetimes,
whatever offsets the instants were written in (``+08:00``, ``Z``, ``-05:00``) and
across the bills' month-closing instants (00:00 Shanghai) -- the fast key only
changes how the comparison is made, never its result.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcrm_rules.models import (
    Event,
    event_instant,
    history_key,
    parse_events,
    utc_instant,
)

_OFFSETS = st.sampled_from([0, 8, -5, 5.75, 14])
_BASE = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 00:00 Shanghai on 2026-01-01


@st.composite
def _histories(draw: st.DrawFn) -> tuple[Event, ...]:
    """Payments, thefts and bills whose instants cluster around one month boundary,
    written in several offsets (ties of instant across offsets included)."""
    raw: list[dict[str, object]] = []
    for n in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["payment_received", "theft_detected", "bill_issued"]))
        if kind == "bill_issued":
            period = draw(st.sampled_from(["2025-11", "2025-12", "2026-01"]))
            raw.append({"type": kind, "id": f"e{n}", "period": period, "amount": "10.00",
                        "due": "2026-02-15"})
            continue
        minutes = draw(st.integers(-90, 90))
        hours = draw(_OFFSETS)
        at = (_BASE + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=hours)))
        event: dict[str, object] = {"type": kind, "id": f"e{n}", "at": at.isoformat()}
        if kind == "payment_received":
            event["amount"] = "1.00"
        raw.append(event)
    return parse_events(raw)


@given(_histories())
def test_history_key_orders_as_the_aware_instants_do(history: tuple[Event, ...]) -> None:
    by_aware = sorted(history, key=lambda e: (event_instant(e), e.type, e.id))
    assert sorted(history, key=history_key) == by_aware


@given(_histories())
def test_history_key_holds_the_instant_in_the_one_utc_zone(history: tuple[Event, ...]) -> None:
    """The key's instant is the event's instant, in the ``datetime.UTC`` object itself:
    datetimes sharing one ``tzinfo`` object compare their fields, with no ``utcoffset``."""
    for event in history:
        instant = history_key(event)[0]
        assert instant == event_instant(event)
        assert instant.tzinfo is UTC


@given(_histories(), st.integers(-120, 120))
def test_a_cut_at_an_instant_keeps_the_same_events(history: tuple[Event, ...],
                                                   minutes: int) -> None:
    """``evaluate`` keeps the events with ``key[0] <= utc_instant(as_of)``: the same as
    ``event_instant(e) <= as_of``, in any zone as_of is given in."""
    as_of = (_BASE + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=-3)))
    kept = {e.id for e in history if history_key(e)[0] <= utc_instant(as_of)}
    assert kept == {e.id for e in history if event_instant(e) <= as_of}


def test_a_naive_instant_is_refused_not_read_in_the_machines_zone() -> None:
    """``astimezone`` would read a naive datetime as local time; ``utc_instant`` refuses."""
    with pytest.raises(ValueError, match="aware"):
        utc_instant(datetime(2025, 1, 1, 3, 0))
