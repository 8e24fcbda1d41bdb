"""An engine pickles as its recipe and loads as an equal engine (multiprocessing, Spark)."""

from __future__ import annotations

import pickle

import pytest

import gridcrm_rules as gr
from gridcrm_rules.sample import load_sample

AS_OF = "2026-11-22T09:00:00+08:00"


def test_a_pickled_engine_decides_as_the_original() -> None:
    engine = gr.Engine.default().with_params(cb_rep_hours=12)
    loaded = pickle.loads(pickle.dumps(engine))
    assert loaded is not engine
    assert loaded.params == engine.params
    assert loaded.packs == engine.packs
    sample = load_sample()
    for customer in sample.customers[:10]:
        events = sample.events_for(customer["id"])
        assert (loaded.evaluate(customer, events, as_of=AS_OF).model_dump_json()
                == engine.evaluate(customer, events, as_of=AS_OF).model_dump_json())


def test_a_live_snapshot_restores_under_the_unpickled_engine() -> None:
    """Same packs, versions and parameters: the snapshot's fingerprint matches."""
    engine = gr.Engine.from_packs(["credit"]).with_params(arrears_reading="amount")
    sample = load_sample()
    customer = sample.customers[0]
    live = engine.live()
    live.post_many(customer, sample.events_for(customer["id"]))
    restored = pickle.loads(pickle.dumps(engine)).live(restore=live.snapshot())
    assert restored.decision(customer["id"]) == live.decision(customer["id"])
    other = pickle.loads(pickle.dumps(engine.with_params(arrears_reading="age")))
    with pytest.raises(gr.SnapshotMismatch):
        other.live(restore=live.snapshot())
