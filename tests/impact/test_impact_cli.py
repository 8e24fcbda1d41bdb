"""``gridcrm-rules diff``: two packs, one pack against the defaults, a parameter change."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from gridcrm_rules.cli import main
from gridcrm_rules.impact.cli import engines_to_compare
from gridcrm_rules.sample import load_sample

MY_CREDIT = Path(__file__).resolve().parents[2] / "examples" / "packs" / "my_credit.yaml"


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    s = load_sample()
    d = tmp_path_factory.mktemp("sample")
    pl.DataFrame(s.customers).write_parquet(d / "customers.parquet")
    rows = [{"customer_id": c["id"], **e} for c in s.customers for e in s.events_for(c["id"])]
    pl.DataFrame(rows, infer_schema_length=None).write_parquet(d / "events.parquet")
    return str(d / "customers.parquet"), str(d / "events.parquet"), s.as_of.isoformat()


def test_diff_of_a_parameter_prints_the_matrix_and_writes_tables(
    sample_files: tuple[str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--param year_window=calendar_year``: C0015 moves B -> A; the tables are written."""
    customers, events, as_of = sample_files
    code = main(["diff", "--customers", customers, "--events", events, "--as-of", as_of,
                 "--param", "year_window=calendar_year", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "60 customers compared" in out
    assert "1 changed" in out
    assert "B                1     6     0     0" in out
    assert "C0015: B -> A CR-B -> CR-A" in out
    assert "had_arrears_in_year: true -> false" in out
    changed = pl.read_parquet(tmp_path / "changed.parquet")
    assert changed.get_column("customer_id").to_list() == ["C0015"]
    assert pl.read_parquet(tmp_path / "matrix.parquet").columns == ["before", "A", "B", "C", "D"]


def test_diff_of_two_packs(sample_files: tuple[str, str, str],
                           capsys: pytest.CaptureFixture[str]) -> None:
    """``--pack credit --pack my_credit.yaml``: the calendar-year window moves C0015 up."""
    customers, events, as_of = sample_files
    code = main(["diff", "--customers", customers, "--events", events, "--as-of", as_of,
                 "--pack", "credit", "--pack", str(MY_CREDIT)])
    out = capsys.readouterr().out
    assert code == 0
    assert "1 moved grade (1 up, 0 down)" in out
    assert "C0015: B -> A CR-B -> CR-A" in out


def test_which_engines_are_compared() -> None:
    """One pack: defaults against defaults with it; params change the 'after' engine."""
    before, after = engines_to_compare([str(MY_CREDIT)], {})
    assert [p.name for p in before.packs] != [p.name for p in after.packs]
    assert "my_credit" in [p.name for p in after.packs]
    assert len(after.packs) == len(before.packs)
    before, after = engines_to_compare([], {"year_window": "calendar_year"})
    assert (before.params["year_window"], after.params["year_window"]) == (
        "rolling_12m", "calendar_year")
    with pytest.raises(ValueError, match="nothing to compare"):
        engines_to_compare([], {})
    with pytest.raises(ValueError, match="at most twice"):
        engines_to_compare(["credit", "credit", "credit"], {})


def test_diff_reports_bad_options_as_one_line(
    sample_files: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed --param or nothing to compare: exit 2 with a readable message."""
    customers, events, as_of = sample_files
    base = ["diff", "--customers", customers, "--events", events, "--as-of", as_of]
    assert main([*base, "--param", "year_window"]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err
    assert main(base) == 2
    assert "nothing to compare" in capsys.readouterr().err


def test_diff_reads_a_gbk_csv_with_encoding_and_takes_the_calendar_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hint of an undecodable CSV names ``--encoding gbk``: ``diff`` has it (and the
    calendar options every evaluating command has)."""
    path = tmp_path / "customers.csv"
    path.write_bytes("id,category,supply_voltage_kv,usage_nature\nC1,residential,0.22,居民生活\n"
                     .encode("gbk"))
    base = ["diff", "--customers", str(path), "--as-of", "2026-11-22",
            "--param", "year_window=calendar_year"]
    assert main(base) == 2
    assert "--encoding gbk" in capsys.readouterr().err
    assert main([*base, "--encoding", "gbk", "--calendar-fallback", "weekdays"]) == 0
    assert capsys.readouterr().out.startswith("1 customer compared at 2026-11-22")
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\n  x: [\n", encoding="utf-8")
    assert main([*base, "--encoding", "gbk", "--schedule", str(bad)]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err
