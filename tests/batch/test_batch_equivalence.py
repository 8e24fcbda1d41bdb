"""Equivalence is the contract: ``evaluate_batch`` and ``evaluate`` agree on every field.

Random customers and histories (tests/batch/batch_strategies.py) lean on the edges of
RULES.md §2.  The bulk property runs on GRIDCRM_EQUIV_CUSTOMERS customers (10,000 by
default; docs/batch.md shows the command for 1,000,000).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from batch_helpers import assert_equivalent
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
    [{"arrears_reading": "amount"}, {"year_window": "calendar_year"}],
    ids=["amount-reading", "calendar-year"],
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
