"""Issue 13: making ``Engine.evaluate`` faster changes no byte of any decision.

The snapshot (tests/engine/snapshots/sample_decisions.json) was written by
tests/engine/decision_snapshot.py from the code before the speed-up; these tests
recompute every digest and also check that a decision from dicts, from validated
models and from a second call are the same bytes.
"""

from __future__ import annotations

import json

import pytest
from decision_snapshot import SNAPSHOT, digests

import gridcrm_rules as gr
from gridcrm_rules.models import Customer, parse_events
from gridcrm_rules.sample import load_sample


def test_every_sample_decision_is_byte_identical_to_the_snapshot() -> None:
    expected = json.loads(SNAPSHOT.read_text())
    actual = digests()
    assert set(actual) == set(expected)
    assert len(expected) == 4 + 2 * 5  # sample cases + (credit-edge, widened) x AS_OFS
    for case in expected:
        differing = sorted(c for c in expected[case] if actual[case].get(c) != expected[case][c])
        assert not differing, f"{case}: decisions changed for {differing}"
        assert set(actual[case]) == set(expected[case])


@pytest.mark.parametrize("customer_id", ["C0001", "C0008", "C0026", "C0040"])
def test_dicts_models_and_repeated_calls_give_the_same_bytes(customer_id: str) -> None:
    data = load_sample()
    engine = gr.Engine.default()
    raw = data.events_for(customer_id)
    from_dicts = engine.evaluate(data.customer(customer_id), raw, as_of=data.as_of)
    models = (Customer.model_validate(data.customer(customer_id)), parse_events(raw))
    from_models = engine.evaluate(*models, as_of=data.as_of)
    again = engine.evaluate(*models, as_of=data.as_of)
    assert from_dicts.model_dump_json() == from_models.model_dump_json()
    assert again.model_dump_json() == from_models.model_dump_json()
    assert from_dicts.customer_id == customer_id
