"""examples/overdue_callbacks.py runs on the bundled sample and lists the right tasks."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "overdue_callbacks.py"


def _main() -> object:
    return runpy.run_path(str(EXAMPLE), run_name="overdue_callbacks_example")["main"]


def test_the_days_overdue_callbacks_are_listed_per_unit() -> None:
    """At the end of 2026-11-20 five callbacks are overdue and one was done late."""
    report = _main()([])  # type: ignore[operator]
    assert "(5 still to do)" in report
    lines = report.splitlines()
    assert lines.index("[customer_service_center]") < lines.index("[grassroots_marketing]")
    for expected in (
        "C0005  CB-BIZ",
        "C0001  CB-REP",
        "C0042  PO-CALLBACK",
        "C0002  CB-LET-R",
        "C0004  CB-LET-C",
    ):
        assert any(line.startswith(f"  {expected}") for line in lines), expected
    assert "X-R1" not in report  # called back in time
    assert "X-R3" not in report  # storm repair: 48 hours, not yet due
    assert "Done late (1):" in report
    assert "C0002  CB-PHONE    due 2026-11-16 23:59  done 2026-11-17 11:00  late 11h 00m" in report


def test_an_earlier_day_sees_only_what_was_known_then() -> None:
    """Evaluated at the end of 2026-11-13, nothing is overdue yet."""
    report = _main()(["2026-11-13"])  # type: ignore[operator]
    assert "(0 still to do)" in report
    assert "Done late (0):" in report
