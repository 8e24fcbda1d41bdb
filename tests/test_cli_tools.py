"""The command as a data tool (issue 16): formats, calendars, encodings, exit statuses."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcrm_rules.batch import BatchInputError
from gridcrm_rules.batch.csv_input import decode_file, scan_csv
from gridcrm_rules.batch.evaluate import progress_bar
from gridcrm_rules.batch.sinks import flatten_for_csv
from gridcrm_rules.cli import main
from gridcrm_rules.console import EXIT_BROKEN_PIPE, run_guarded
from gridcrm_rules.sample import load_sample

SAMPLE = load_sample()
# An installation archived on 2026-12-28 needs working days of 2027 (CB-INST callback).
LATE = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
LATE_EVENT = {"customer_id": "C1", "type": "installation_archived", "id": "i1",
              "at": "2026-12-28T10:00:00+08:00", "business": "new"}
SCHEDULE_2027 = """\
year: 2027
name: 国务院办公厅关于2027年部分节假日安排的通知 (test copy)
days_off: [2027-01-01]
make_up_working_days: []
"""


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _sample_tables(tmp_path: Path) -> tuple[Path, Path]:
    events = [{"customer_id": c["id"], **e} for c in SAMPLE.customers
              for e in SAMPLE.events_for(c["id"])]
    pl.DataFrame(SAMPLE.customers, infer_schema_length=None).write_csv(tmp_path / "c.csv")
    pl.DataFrame(events, infer_schema_length=None).write_csv(tmp_path / "e.csv")
    return tmp_path / "c.csv", tmp_path / "e.csv"


# -- --format json -----------------------------------------------------------------------
def test_demo_json_is_one_object_per_customer_then_a_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--format", "json"]) == 0
    records = _lines(capsys.readouterr().out)
    customers = [r for r in records if r["record"] == "customer"]
    assert len(customers) == len(SAMPLE.customers)
    assert records[-1]["record"] == "summary"
    assert sum(records[-1]["grades"].values()) == len(SAMPLE.customers)
    first = customers[0]
    assert first["customer_id"] == SAMPLE.customers[0]["id"]
    assert first["grade"] in {"A", "B", "C", "D"}
    assert isinstance(first["facts"]["arrears_amount"], str)  # a decimal, as exact text


def test_test_json_reports_each_scenario(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["test", "--format", "json", str(fixtures_dir / "failing_scenarios")]) == 1
    records = _lines(capsys.readouterr().out)
    scenarios = [r for r in records if r["record"] == "scenario"]
    assert len(scenarios) == 2
    assert not any(r["passed"] for r in scenarios)
    assert any("expected \"A\", got \"D\"" in d for r in scenarios for d in r["diffs"])
    assert records[-1] == {"record": "summary", "passed": 0, "failed": 2}


def test_packs_and_verify_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["packs", "--format", "json"]) == 0
    packs = _lines(capsys.readouterr().out)
    credit = next(p for p in packs if p["name"] == "credit")
    assert credit["record"] == "pack"
    assert any(d["name"] == "credit" for d in credit["decisions"])
    assert credit["params"]
    status = main(["verify"])
    text = capsys.readouterr().out
    assert main(["verify", "--format", "json"]) == status  # the same verdict in both formats
    tables = _lines(capsys.readouterr().out)
    assert len(tables) == text.count("decision ")
    verified = next(t for t in tables if t["decision"] == "credit")
    assert verified["record"] == "decision_table"
    assert verified["complete"] is True
    assert verified["gaps"] == []
    assert verified["event_type"] is None
    # the labels are those of the text, and each names one table
    labels = [t["label"] for t in tables]
    assert len(set(labels)) == len(labels)
    assert all(f"decision {label} [" in text for label in labels)
    assert any(t["event_type"] and t["label"] == f"{t['decision']}[{t['event_type']}]"
               for t in tables)


def test_evaluate_json_summary_and_csv_out_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    customers, events = _sample_tables(tmp_path)
    code = main(["evaluate", "--customers", str(customers), "--events", str(events),
                 "--as-of", SAMPLE.as_of.isoformat(), "--out", str(tmp_path / "out"),
                 "--out-format", "csv", "--format", "json"])
    (summary,) = _lines(capsys.readouterr().out)
    assert code == 0
    assert summary["record"] == "summary"
    assert summary["decisions"] == len(SAMPLE.customers)
    assert summary["errors"] == 0
    assert summary["status"] == 0
    decisions = pl.read_csv(tmp_path / "out" / "decisions.csv", infer_schema=False)
    assert decisions.height == len(SAMPLE.customers)
    assert json.loads(decisions.get_column("rule_ids")[0]) in (["CR-A"], ["CR-B"], ["CR-C"],
                                                               ["CR-D"])
    entitlements = json.loads(decisions.get_column("entitlements")[0])
    assert {"code", "level", "clause", "grade", "params"} <= set(entitlements[0])
    tasks = pl.read_csv(tmp_path / "out" / "tasks.csv", infer_schema=False)
    assert tasks.height == summary["tasks"]
    assert tasks.get_column("due")[0].endswith("+08:00")
    errors = pl.read_csv(tmp_path / "out" / "errors.csv", infer_schema=False)
    assert errors.height == 0
    assert "loc" in errors.columns  # the header is written even for no rows


def test_evaluate_jsonl_out_format_keeps_nested_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    customers, events = _sample_tables(tmp_path)
    assert main(["evaluate", "--customers", str(customers), "--events", str(events),
                 "--as-of", SAMPLE.as_of.isoformat(), "--out", str(tmp_path / "out"),
                 "--out-format", "jsonl"]) == 0
    rows = _lines((tmp_path / "out" / "decisions.jsonl").read_text(encoding="utf-8"))
    assert len(rows) == len(SAMPLE.customers)
    assert isinstance(rows[0]["rule_ids"], list)
    assert isinstance(rows[0]["entitlements"], list)
    assert "60 rows" in capsys.readouterr().out


def test_flatten_for_csv_writes_every_nested_column_as_json_text() -> None:
    from datetime import UTC, datetime, timedelta

    frame = pl.DataFrame({
        "ids": [["CR-A", "CR-B"]], "items": [[{"code": "x", "n": 1}]],
        "at": [datetime(2026, 1, 1, 1, tzinfo=UTC)], "late": [timedelta(hours=25)],
    }).with_columns(pl.col("at").dt.convert_time_zone("Asia/Shanghai"))
    flat = flatten_for_csv(frame)
    assert flat.row(0) == ('["CR-A","CR-B"]', '[{"code":"x","n":1}]',
                           "2026-01-01T09:00:00+08:00", "P1DT1H")
    buffer = io.BytesIO()
    flat.write_csv(buffer)  # every column is now writable as CSV


# -- exit statuses ------------------------------------------------------------------------
def _bad_rows(tmp_path: Path) -> tuple[Path, Path]:
    pl.DataFrame([LATE, {**LATE, "id": "C2", "category": "no_such_category"}]).write_csv(
        tmp_path / "c.csv")
    pl.DataFrame({"customer_id": ["C1"], "type": ["theft_detected"], "id": ["t1"],
                  "at": ["2025-03-01"]}).write_csv(tmp_path / "e.csv")
    return tmp_path / "c.csv", tmp_path / "e.csv"


def test_evaluate_exits_1_when_a_row_is_refused_unless_max_errors_allows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    customers, events = _bad_rows(tmp_path)
    args = ["evaluate", "--customers", str(customers), "--events", str(events),
            "--as-of", "2026-11-22", "--out", str(tmp_path / "out")]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "1 error," in captured.out
    assert "error: 1 error record(s) (allowed: 0)" in captured.err
    assert pl.read_parquet(tmp_path / "out" / "decisions.parquet").height == 1  # still written
    assert main([*args, "--max-errors", "1"]) == 0
    capsys.readouterr()
    assert main([*args, "--max-errors", "1", "--format", "json"]) == 0
    assert _lines(capsys.readouterr().out)[-1]["status"] == 0


def test_a_missing_input_file_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluate", "--customers", str(tmp_path / "nope.csv"), "--as-of",
                 "2026-11-22", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ")
    assert "nope.csv: no such file or directory" in err.lower()
    assert "Traceback" not in err
    assert main(["test", "--schedule", str(tmp_path / "none.yaml"), str(tmp_path)]) == 2
    assert "none.yaml" in capsys.readouterr().err


def test_a_ragged_csv_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV row with more fields than the header: status 2 and the file named, no polars
    traceback (the lazy scan fails only when the table is first read)."""
    customers = tmp_path / "customers.csv"
    customers.write_text("id,category,supply_voltage_kv\nC1,residential,0.22\n"
                         "C2,residential,0.22,extra\n", encoding="utf-8")
    events = tmp_path / "events.csv"
    events.write_text("customer_id,type,id,at\n", encoding="utf-8")
    code = main(["evaluate", "--customers", str(customers), "--events", str(events),
                 "--as-of", "2026-11-22", "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: {customers}: not a well-formed CSV table")
    assert "Traceback" not in err


def test_a_closed_pipe_ends_quietly() -> None:
    """``gridcrm-rules demo | head -1``: one line, no traceback, status 141 from the CLI."""
    proc = subprocess.run(
        f"{sys.executable} -m gridcrm_rules demo | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert proc.stdout.startswith("gridcrm-rules demo: 60 customers")
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert "BrokenPipeError" not in proc.stderr
    assert proc.returncode == EXIT_BROKEN_PIPE


def test_run_guarded_lets_a_bug_through() -> None:
    """Only user errors are turned into a message; a programming error still raises."""
    def bug() -> int:
        raise KeyError("not a user error")

    with pytest.raises(KeyError):
        run_guarded(bug)


# -- encodings ----------------------------------------------------------------------------
GBK_CSV = "id,category,supply_voltage_kv,usage_nature\nC1,residential,0.22,居民生活\n"


def test_a_gbk_file_read_as_utf8_names_the_file_and_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "导出.csv"
    path.write_bytes(GBK_CSV.encode("gbk"))
    offset = GBK_CSV.encode("gbk").index("居".encode("gbk"))
    with pytest.raises(BatchInputError) as info:
        scan_csv(path)
    message = str(info.value)
    assert str(path) in message
    assert f"at byte {offset}" in message
    assert "--encoding gbk" in message


def test_the_byte_offset_is_exact_across_block_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A multi-byte character cut by a block boundary is not an error; a bad byte after
    it is reported at its offset in the file."""
    import gridcrm_rules.batch.csv_input as csv_input

    monkeypatch.setattr(csv_input, "_BLOCK", 7)
    text = "ab居民生活cd".encode()
    path = tmp_path / "x.csv"
    path.write_bytes(text + b"\xff" + b"tail")
    with pytest.raises(BatchInputError, match=f"at byte {len(text)} "):
        decode_file(path)
    path.write_bytes(text)
    assert decode_file(path) == "ab居民生活cd"


def test_evaluate_reads_a_gbk_export_with_encoding_gbk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(GBK_CSV.encode("gbk"))
    args = ["evaluate", "--customers", str(path), "--as-of", "2026-11-22",
            "--out", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "not valid utf-8 text at byte" in err
    assert "Traceback" not in err
    assert main([*args, "--encoding", "gbk"]) == 0
    decided = pl.read_parquet(tmp_path / "out" / "decisions.parquet")
    assert decided.get_column("customer_id").to_list() == ["C1"]
    assert main([*args, "--encoding", "no-such-codec"]) == 2
    assert "unknown text encoding 'no-such-codec'" in capsys.readouterr().err


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Excel's 'CSV UTF-8' starts with a BOM; the first column is still ``id``."""
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GBK_CSV.encode("utf-8"))
    assert scan_csv(path).collect_schema().names()[0] == "id"
    assert scan_csv(path, encoding="utf-8-sig").collect_schema().names()[0] == "id"


# -- --schedule and --calendar-fallback ----------------------------------------------------
def test_schedule_and_fallback_options_reach_the_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deadline in 2027 needs the 2027 schedule: without it the customer is refused (until
    fault scoping lands); with --schedule or --calendar-fallback it is decided."""
    pl.DataFrame([LATE]).write_csv(tmp_path / "c.csv")
    pl.DataFrame([LATE_EVENT]).write_csv(tmp_path / "e.csv")
    base = ["evaluate", "--customers", str(tmp_path / "c.csv"), "--events",
            str(tmp_path / "e.csv"), "--as-of", "2026-12-30", "--format", "json"]
    schedule = tmp_path / "2027.yaml"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    outcomes = {}
    for name, extra in (("none", []), ("schedule", ["--schedule", str(schedule)]),
                        ("fallback", ["--calendar-fallback", "weekdays"])):
        code = main([*base, "--out", str(tmp_path / name), *extra])
        outcomes[name] = (code, _lines(capsys.readouterr().out)[-1])
    assert outcomes["none"][0] == 1
    assert outcomes["none"][1]["errors"] >= 1
    for name in ("schedule", "fallback"):
        code, summary = outcomes[name]
        assert (code, summary["errors"], summary["decisions"]) == (0, 0, 1), name
        tasks = pl.read_parquet(tmp_path / name / "tasks.parquet")
        assert tasks.height >= 1


def test_demo_and_test_take_the_calendar_options(
    tmp_path: Path, scenarios_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule = tmp_path / "2027.yaml"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    assert main(["demo", "--schedule", str(schedule), "--calendar-fallback", "weekdays"]) == 0
    assert "60 customers graded" in capsys.readouterr().out
    credit = scenarios_dir / "credit"
    assert main(["test", "--schedule", str(schedule), str(credit)]) == 0
    assert " 0 failed" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nname: x\ndays_off: [not-a-date]\n", encoding="utf-8")
    assert main(["demo", "--schedule", str(bad)]) == 2
    assert "days_off" in capsys.readouterr().err


# -- progress bar -------------------------------------------------------------------------
class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_the_progress_bar_is_tqdm_auto_and_silent_off_a_terminal() -> None:
    from tqdm.auto import tqdm

    log = _Stream(tty=False)
    bar = progress_bar(10, True, file=log)
    bar.update(10)
    bar.close()
    assert isinstance(bar, tqdm)
    assert log.getvalue() == ""  # no \r frames in a log file
    terminal = _Stream(tty=True)
    bar = progress_bar(10, True, file=terminal)
    bar.update(10)
    bar.close()
    assert "100%" in terminal.getvalue()
    assert progress_bar(10, False) is None


def test_a_file_that_is_no_parquet_and_an_empty_directory_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "customers.parquet"
    fake.write_text("id,category\nC1,residential\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    for source in (fake, tmp_path / "empty"):
        code = main(["evaluate", "--customers", str(source), "--as-of", "2026-11-22",
                     "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert code == 2
        assert err.startswith(f"error: {source}: ")
        assert "Traceback" not in err


@settings(max_examples=40)
@given(
    before=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    after=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10),
    block=st.integers(min_value=1, max_value=9),
)
def test_the_byte_offset_of_a_bad_byte_is_exact_for_any_text_and_block_size(
    before: str, after: str, block: int
) -> None:
    """Property: whatever the text and the block size, the reported offset is the bad byte's."""
    import tempfile

    import gridcrm_rules.batch.csv_input as csv_input

    good = before.encode("utf-8")
    original = csv_input._BLOCK
    csv_input._BLOCK = block
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.csv"
            path.write_bytes(good + b"\xff" + after.encode("utf-8"))
            with pytest.raises(BatchInputError, match=f"at byte {len(good)} "):
                decode_file(path)
            path.write_bytes(good)
            assert decode_file(path) == before
    finally:
        csv_input._BLOCK = original


@pytest.mark.parametrize(("text", "suffix", "where"), [
    ("year: 2027\n  x: [\n", ".yaml", ":2:"),
    ('{"year": 2027, x}', ".json", ":1:16:"),
    ("year = \n", ".toml", "TOML"),
    ("year: 2027\nnam: x\n", ".yaml", "(2 problems): name: Field required"),
])
def test_a_bad_schedule_file_is_one_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, suffix: str, where: str
) -> None:
    """Malformed YAML/JSON/TOML or a schedule pydantic refuses: one ``error:`` line with the
    file (and line:column where the parser gives one), exit 2, no traceback."""
    bad = tmp_path / f"schedule{suffix}"
    bad.write_text(text, encoding="utf-8")
    assert main(["demo", "--schedule", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}")
    assert where in err
    assert len(err.strip().splitlines()) == 1
    assert "pydantic.dev" not in err


def test_demo_without_a_credit_pack_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """``demo --only key_account_duties`` decides no grade: one error line, exit 2."""
    assert main(["demo", "--only", "key_account_duties"]) == 2
    err = capsys.readouterr().err
    assert "decide none: add a pack that fills credit" in err
    assert "Traceback" not in err


def test_verify_reads_params_as_evaluate_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--param", "year_window"]) == 2
    assert "--param: expected NAME=VALUE, got 'year_window'" in capsys.readouterr().err
    assert main(["verify", "--param", "cb_biz_working_days=-5"]) == 2
    assert "expected at least 1, got -5" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "reason"), [
    ("2026-13-01", "got '2026-13-01' (month must be in 1..12)"),
    ("yesterday", "got 'yesterday' (Invalid isoformat string"),
    ("20261101", "got '20261101' (not a date)"),
    ("2026-11-22T09:00:00", "naive datetime: give a time zone"),
])
def test_a_bad_as_of_names_the_option_and_the_forms_it_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, reason: str
) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text("id,category,supply_voltage_kv\nC1,residential,0.22\n", encoding="utf-8")
    for command in (["evaluate", "--out", str(tmp_path / "out")],
                    ["diff", "--param", "year_window=calendar_year"]):
        assert main([*command, "--customers", str(customers), "--as-of", value]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --as-of: "), err
        assert reason in err
        assert len(err.strip().splitlines()) == 1


def test_an_infinite_param_and_a_control_character_in_a_schedule_are_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--param", "cb_biz_working_days=inf"]) == 2
    assert "cb_biz_working_days" in capsys.readouterr().err
    bad = tmp_path / "schedule.yaml"
    bad.write_bytes(b"year: 2027\x07\n")
    assert main(["demo", "--schedule", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: not a well-formed YAML schedule file")
    assert len(err.strip().splitlines()) == 1
