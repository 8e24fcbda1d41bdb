"""Grade episodes (engine/episodes.py): the month the current run of a grade began."""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gridcrm_rules._time import SHANGHAI, local_date
from gridcrm_rules.engine.episodes import episode_start, episode_window, month_end_instant

AS_OF = datetime(2026, 3, 20, 12, tzinfo=SHANGHAI)


@given(st.lists(st.sampled_from("ABCD"), max_size=30))
def test_episode_start_is_the_first_month_of_the_run(past: list[str]) -> None:
    """past[0] is the grade at the end of February 2026, past[1] of January, ..."""

    def grade_at(t: datetime) -> str:
        months = (2026 - t.year) * 12 + 2 - t.month
        return past[months] if months < len(past) else "A"

    start, capped = episode_start(grade_at, AS_OF, "C", earliest=date(2020, 1, 1))
    run = 0
    while run < len(past) and past[run] == "C":
        run += 1
    assert start == date(2026, 3, 1) - relativedelta(months=run)
    assert capped is False


def test_no_history_before_the_first_event_is_graded() -> None:
    """Month ends before the first event are not graded: the episode starts after it."""
    start, _ = episode_start(lambda t: "C", AS_OF, "C", earliest=date(2026, 1, 5))
    assert start == date(2026, 1, 1)  # C at the end of January; 2025-12-31 had no history


def test_walk_stops_at_the_limit_and_says_so() -> None:
    """A grade held for longer than max_months is reported as capped."""
    start, capped = episode_start(lambda t: "C", AS_OF, "C", earliest=date(2000, 1, 1),
                                  max_months=3)
    assert (start, capped) == (date(2025, 12, 1), True)


def test_episode_window_is_the_whole_month() -> None:
    """Completions count from the 1st 00:00; the due is the last day 23:59:59."""
    after, due = episode_window(date(2024, 2, 1))
    assert after.isoformat() == "2024-02-01T00:00:00+08:00"
    assert due.isoformat() == "2024-02-29T23:59:59+08:00"
    assert local_date(month_end_instant(date(2026, 12, 1))) == date(2026, 12, 31)
