"""Equivalence is the contract: ``evaluate_batch`` and ``evaluate`` agree on every field.

Random customers and histories (tests/batch/batch_strategies.py) lean on the edges of
RULES.md §2.  The bulk property runs on GRIDCRM_EQUIV_CUSTOMERS customers (10,000 by
default; docs/batch.md shows the command for 1,000,000).
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from batch_helpers import assert_equivalent, tables
from batch_strategies import seeded_batch, service_batch, small_batch
from hypothesis import HealthCheck, Phase, given, settings

import gridcrm_rules as gr

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
BATCH = 250
CUSTOMERS = int(os.environ.get("GRIDCRM_EQUIV_CUSTOMERS", "10000"))
CREDIT = gr.Engine.from_packs(["credit"])
DEFAULT = gr.Engine.default()
WINDOWS = gr.Engine.from_packs([Path(__file__).parents[1] / "fixtures" / "packs" /
                                "windows_probe.yaml"])
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
"""A batch of hundreds of customers does not shrink usefully; failures name the customer."""


@settings(max_examples=max(1, CUSTOMERS // BATCH), deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(seeded_batch(BATCH))
def test_batch_equals_scalar_on_random_customers(data) -> None:  # type: ignore[no-untyped-def]
    """Every field of every decided customer, and the same refusals, as evaluate."""
    as_of, histories = data
    assert_equivalent(CREDIT, histories, as_of)


@pytest.mark.parametrize(
    "params",
    [{"arrears_reading": "amount"}, {"year_window": "calendar_year"},
     {"arrears_in_year_reading": "due_in_window"}],
    ids=["amount-reading", "calendar-year", "due-in-window"],
)
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=seeded_batch(100))
def test_batch_equals_scalar_with_other_readings(params, data) -> None:  # type: ignore[no-untyped-def]
    """The pack parameters that change the credit facts are honoured columnar too."""
    as_of, histories = data
    assert_equivalent(CREDIT.with_params(**params), histories, as_of)


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=seeded_batch(60))
def test_batch_equals_scalar_with_every_built_in_pack(data) -> None:  # type: ignore[no-untyped-def]
    """All default packs (entitlements, key accounts, tasks): same decisions table."""
    as_of, histories = data
    assert_equivalent(DEFAULT, histories, as_of)


@settings(max_examples=int(os.environ.get("GRIDCRM_EQUIV_WIDE_EXAMPLES", "8")), deadline=None,
          derandomize=True, suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=seeded_batch(80, wide=True))
def test_batch_equals_scalar_on_every_event_type(data) -> None:  # type: ignore[no-untyped-def]
    """Every event type and customer field the default packs read: rows and tasks agree."""
    as_of, histories = data
    assert_equivalent(DEFAULT, histories, as_of)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=service_batch(3))
def test_batch_equals_scalar_on_small_wide_examples(data) -> None:  # type: ignore[no-untyped-def]
    """Few widened customers per example, drawn from hypothesis, so a failure shrinks."""
    as_of, histories = data
    assert_equivalent(DEFAULT, histories, as_of)


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=seeded_batch(100))
def test_batch_equals_scalar_on_the_shared_windows(data) -> None:  # type: ignore[no-untyped-def]
    """A pack that outputs ``cutoff`` and compares facts with it: both backends bind the
    same cutoff (gridcrm_rules.windows), so the rows agree."""
    as_of, histories = data
    assert_equivalent(WINDOWS, histories, as_of)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=small_batch(4))
def test_batch_equals_scalar_on_small_shrinkable_examples(data) -> None:  # type: ignore[no-untyped-def]
    """Few customers per example, drawn from hypothesis, so a failure shrinks."""
    as_of, histories = data
    assert_equivalent(CREDIT, histories, as_of)


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), phases=NO_SHRINK)
@given(data=seeded_batch(120))
def test_chunking_does_not_change_the_answer(data) -> None:  # type: ignore[no-untyped-def]
    """Small chunks (many id ranges) give the same tables as one chunk."""
    as_of, histories = data
    assert_equivalent(CREDIT, histories, as_of, chunk_size=7)


def test_batch_equals_scalar_on_partly_undetermined_decisions() -> None:
    """The partial-decision rule: with callbacks running into 2027 (no official schedule),
    every default pack gives the same decisions table, the same undetermined tasks and the
    same part errors in both backends (assert_equivalent checks all three)."""
    from gridcrm_rules.sample import load_sample

    sample = load_sample()
    histories = []
    for i, c in enumerate(sample.customers):
        events = sample.events_for(c["id"])
        if i % 3 == 0:  # 7 working days from 2026-12-28 reach into 2027
            events.append({"type": "installation_archived", "id": f"{c['id']}-late",
                           "at": "2026-12-28T10:00:00+08:00", "business": "new"})
        histories.append((dict(c), events))
    as_of = "2026-12-29T09:00:00+08:00"
    got = assert_equivalent(gr.Engine.default(), histories, as_of)
    assert got.height == len(histories)
    result = gr.Engine.default().evaluate_batch(*tables(histories), as_of=as_of)
    undetermined = result.tasks.filter(pl.col("status") == "undetermined")
    assert undetermined.height >= len(histories) // 3
    assert set(result.errors.get_column("type")) >= {"calendar_data_missing"}
