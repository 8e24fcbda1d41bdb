"""``compare`` and ``timeline_batch`` show a progress bar of customers, as
``evaluate_batch`` does, through the one chunk driver (``batch.evaluate.each_chunk``).

The bar itself (tqdm.auto, silent off a terminal) is tested in tests/test_cli_tools.py;
here a recording bar stands in for it, so the counts can be read back.
"""

from __future__ import annotations

from typing import Any

import pytest

import gridcrm_rules as gr
from gridcrm_rules.batch import evaluate as batch_evaluate
from gridcrm_rules.sample import load_sample

DEFAULT = gr.Engine.default()


class _Bar:
    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.done, self.closed = total, desc, 0, False

    def update(self, n: int) -> None:
        self.done += n

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> list[_Bar]:
    made: list[_Bar] = []

    def record(total: int, enabled: bool, *, desc: str = "evaluate", file: Any = None) -> Any:
        if not enabled:
            return None
        made.append(_Bar(total, desc))
        return made[-1]

    monkeypatch.setattr(batch_evaluate, "progress_bar", record)
    return made


def _inputs() -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    s = load_sample()
    rows = [{"customer_id": c["id"], **e} for c in s.customers for e in s.events_for(c["id"])]
    return s.customers, rows, s.as_of


def test_compare_counts_every_customer_once_over_chunks(bars: list[_Bar]) -> None:
    customers, events, as_of = _inputs()
    other = DEFAULT.with_params(year_window="calendar_year")
    quiet = gr.compare(DEFAULT, other, customers, events, as_of=as_of, chunk_size=7)
    assert bars == []  # no bar unless asked
    shown = gr.compare(DEFAULT, other, customers, events, as_of=as_of, chunk_size=7,
                       progress=True)
    [bar] = bars
    assert (bar.desc, bar.total, bar.done, bar.closed) == ("compare", len(customers),
                                                           len(customers), True)
    for name, frame in quiet.tables().items():
        assert shown.tables()[name].equals(frame), name


def test_timeline_batch_and_evaluate_batch_count_customers(bars: list[_Bar]) -> None:
    customers, events, as_of = _inputs()
    DEFAULT.timeline_batch(customers, events, start="2026-08-01", end=as_of, chunk_size=13,
                           progress=True)
    DEFAULT.evaluate_batch(customers, events, as_of=as_of, chunk_size=25, progress=True)
    assert [(b.desc, b.total, b.done, b.closed) for b in bars] == [
        ("timeline", len(customers), len(customers), True),
        ("evaluate", len(customers), len(customers), True),
    ]


def test_the_bar_is_closed_when_a_chunk_fails(bars: list[_Bar]) -> None:
    """A fault in the middle of the work still closes the bar (no half-drawn line)."""
    def fail(chunk: Any) -> Any:
        raise RuntimeError("chunk failed")

    customers, events, _ = _inputs()
    with pytest.raises(RuntimeError, match="chunk failed"):
        list(batch_evaluate.each_chunk(fail, customers, events, chunk_size=7, progress=True))
    assert [(b.done, b.closed) for b in bars] == [(0, True)]
