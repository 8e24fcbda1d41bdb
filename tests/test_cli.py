"""The ``gridcrm-rules`` command: test, schema and packs sub-commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gridcrm_rules.cli import main

CREDIT = Path(__file__).resolve().parent / "scenarios" / "credit"


def test_cli_test_passes_the_credit_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    """``test tests/scenarios/credit`` exits 0 and reports every file as passed."""
    count = len(list(CREDIT.glob("*.yaml")))
    code = main(["test", str(CREDIT)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.strip().splitlines()[-1] == f"{count} passed, 0 failed"


def test_cli_test_accepts_a_relative_path(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run from the repository root, the documented ``tests/scenarios/credit`` path works."""
    monkeypatch.chdir(CREDIT.parent.parent.parent)
    assert main(["test", "tests/scenarios/credit"]) == 0
    assert re.search(r"^\d+ passed, 0 failed$", capsys.readouterr().out, re.MULTILINE)


def test_cli_test_reports_failures_with_a_diff(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failing scenarios exit 1 and print, per failure, the file and expected vs got."""
    code = main(["test", str(fixtures_dir / "failing_scenarios")])
    out = capsys.readouterr().out
    assert code == 1
    assert out.strip().splitlines()[-1] == "0 passed, 2 failed"
    assert "FAILED deliberately failing - theft expected to be A" in out
    assert "theft_is_not_a.yaml" in out
    assert 'credit.grade: expected "A", got "D"' in out
    assert 'credit.rule_ids: expected ["CR-A"], got ["CR-D"]' in out
    assert "credit.theft_or_violation_3y: expected false, got true" in out
    assert "expected an error containing 'duplicate', but the evaluation succeeded" in out


def test_cli_test_verbose_lists_every_scenario(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-v`` adds one ok/FAIL line per scenario."""
    main(["test", "-v", str(fixtures_dir / "failing_scenarios")])
    out = capsys.readouterr().out
    assert out.count("\nFAIL ") + out.startswith("FAIL ") == 2


def test_cli_test_with_strict_pack_fails_the_gap_scenarios(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--pack credit_strict`` turns the default-pack GAP scenarios into failures."""
    code = main(["test", "--pack", "credit_strict", str(CREDIT)])
    out = capsys.readouterr().out
    assert code == 1
    assert 'credit.grade: expected "B", got null' in out
    assert "due_plus_one_month_equals_cutoff_is_gap.yaml" in out


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_cli_test_on_a_folder_without_scenarios_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """No scenario file under an existing folder: one 'error:' line saying what was searched."""
    (tmp_path / "notes.txt").write_text("not a scenario\n", encoding="utf-8")
    assert main(["test", "--format", fmt, str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: {tmp_path}: no scenario files found (searched *.yaml, *.yml under it)\n"
    )


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_cli_test_on_a_missing_path_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """A path that does not exist: exit 2 and one 'error:' line naming it, nothing run."""
    missing = tmp_path / "nonexist"
    code = main(["test", "--format", fmt, str(CREDIT), str(missing)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # checked before any scenario runs
    assert captured.err == f"error: {missing}: no such scenario file or folder\n"


def test_find_scenarios_refuses_a_missing_path(tmp_path: Path) -> None:
    """A mistyped folder is an error, not an empty (vacuously passing) run."""
    from gridcrm_rules.scenarios import find_scenarios, run_scenarios

    with pytest.raises(FileNotFoundError, match="nonexist"):
        find_scenarios(tmp_path / "nonexist")
    with pytest.raises(FileNotFoundError):
        run_scenarios(tmp_path / "nonexist")
    assert find_scenarios(tmp_path) == []


def test_cli_test_unknown_pack_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown ``--pack`` is one error (exit 2) listing the known packs."""
    code = main(
        ["test", "--pack", "no_such_pack", str(CREDIT / "no_history_is_a_provisional.yaml")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "no pack named 'no_such_pack'" in err
    assert "credit_strict" in err


def test_cli_test_reports_an_unreadable_scenario_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario file with an unknown top-level key is a failure naming that key."""
    (tmp_path / "bad.yaml").write_text(
        "name: x\nas_of: 2026-11-22\ncustomer: {}\nexpect: {}\nsurprise: 1\n", encoding="utf-8"
    )
    assert main(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml" in out
    assert "surprise" in out


def test_cli_schema_customer_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """``schema customer`` prints the Customer JSON Schema with its required fields."""
    assert main(["schema", "customer"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Customer"
    assert set(schema["required"]) == {"id", "category", "supply_voltage_kv"}
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]["category"]["enum"]) == {
        "dedicated_transformer",
        "lv_commercial",
        "residential",
        "other",
    }


def test_cli_schema_event_has_every_event_type(capsys: pytest.CaptureFixture[str]) -> None:
    """``schema event`` is a discriminated union over the documented event types."""
    assert main(["schema", "event"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["discriminator"]["propertyName"] == "type"
    assert {"bill_issued", "payment_received", "theft_detected", "grade_override"} <= set(
        schema["discriminator"]["mapping"]
    )


def test_cli_schema_rejects_an_unknown_kind(capsys: pytest.CaptureFixture[str]) -> None:
    """``schema`` only knows customer, event and pack."""
    with pytest.raises(SystemExit) as info:
        main(["schema", "invoice"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_cli_packs_lists_builtin_packs(capsys: pytest.CaptureFixture[str]) -> None:
    """``packs`` lists credit and credit_strict (which extends credit) with their params."""
    assert main(["packs"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^credit 1\.1\.0: ", out, re.MULTILINE)
    assert re.search(r"^credit_strict 1\.0\.0 \(extends credit\): ", out, re.MULTILINE)
    assert "param arrears_reading = 'age'" in out
    assert "decision credit [first, over customer]: 5 rules" in out
    assert "decision credit [first, over customer]: 4 rules" in out


def test_cli_packs_cuts_long_descriptions_at_a_word_with_an_ellipsis(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A description over 70 characters ends in '…' after a whole word, never mid-word."""
    assert main(["packs", "--format", "json"]) == 0
    full = {
        rec["name"]: " ".join(rec["description"].split())
        for rec in map(json.loads, capsys.readouterr().out.splitlines())
    }
    assert main(["packs"]) == 0
    heads = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    cut = 0
    for line in heads:
        name = line.split(" ", 1)[0]
        shown = line.split(": ", 1)[1]
        if shown == full[name]:
            continue
        cut += 1
        assert shown.endswith("…")
        assert len(shown) <= 70
        kept = shown[:-1]
        assert full[name].startswith(kept)
        # what was left off starts at a word boundary (after a dropped comma or colon)
        assert full[name][len(kept):].lstrip(",;:-–—")[:1] == " "
    assert cut >= 1  # the built-in credit pack's description is longer than 70


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("short enough", 70, "short enough"),
        ("one\n  two   three", 70, "one two three"),
        ("alpha beta gamma", 12, "alpha beta…"),
        ("alpha beta gamma", 11, "alpha beta…"),
        ("alpha beta, gamma", 13, "alpha beta…"),
        ("supercalifragilistic", 8, "superca…"),
    ],
)
def test_shorten(text: str, width: int, expected: str) -> None:
    """Whitespace collapsed; cut at a word boundary and ended by '…' only when cut."""
    from gridcrm_rules._text import shorten

    assert shorten(text, width) == expected
    assert len(shorten(text, width)) <= width


def test_cli_packs_counts_one_rule_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    """A decision with one rule says '1 rule', never '1 rules'."""
    assert main(["packs"]) == 0
    out = capsys.readouterr().out
    assert "decision deputy_contacts [first, over events]: 1 rule\n" in out
    assert not re.search(r"\b1 rules\b", out)


def test_cli_test_names_a_pack_given_as_a_scenario_and_a_scenarios_missing_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pack file among the scenarios fails saying it is a pack; a scenario whose own
    ``packs:`` names no pack is a "pack error", not an "unexpected error"."""
    (tmp_path / "my_credit.yaml").write_text(
        "name: my_credit\nextends: credit\nparams: {year_window: calendar_year}\n",
        encoding="utf-8")
    (tmp_path / "typo.yaml").write_text(
        "name: typo\npacks: [credt]\nas_of: 2026-11-22\n"
        "customer: {id: C1, category: residential, supply_voltage_kv: 0.22}\n"
        "expect: {credit: {grade: A}}\n", encoding="utf-8")
    assert main(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "this looks like a pack file (it has extends and no expect)" in out
    assert "pack error: " in out
    assert "unexpected error" not in out
    assert "0 passed, 2 failed" in out


def test_cli_test_builtin_runs_the_librarys_own_scenarios(
    capsys: pytest.CaptureFixture[str]
) -> None:
    """``test --builtin`` runs every shipped scenario (the wheel ships tests/scenarios as
    gridcrm_rules/_scenarios; CI's core-install step runs it from the installed wheel)."""
    from gridcrm_rules.scenarios import builtin_scenarios

    source = Path(__file__).resolve().parent / "scenarios"
    assert builtin_scenarios() == source
    shipped = len([*source.rglob("*.yaml"), *source.rglob("*.yml")])
    assert main(["test", "--builtin"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{shipped} passed, 0 failed")
    assert main(["test"]) == 2
    assert "or --builtin" in capsys.readouterr().err


def test_the_wheels_scenario_layout_runs_every_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The files pyproject's force-include puts in the wheel, copied as it maps them: every
    scenario passes from there (one names a fixture pack by a relative path)."""
    import shutil
    import tomllib

    import gridcrm_rules.scenarios.builtin as builtin

    root = Path(__file__).resolve().parents[1]
    wheel = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"]["wheel"]["force-include"]
    package = tmp_path / "site" / "gridcrm_rules"
    for source, target in wheel.items():
        shutil.copytree(root / source, tmp_path / "site" / target)
    monkeypatch.setattr(builtin, "_PACKAGE", package)
    assert builtin.builtin_scenarios() == package / "_tests" / "scenarios"
    shipped = len([*(root / "tests" / "scenarios").rglob("*.yaml")])
    assert main(["test", "--builtin"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{shipped} passed, 0 failed")


def test_python_m_gridcrm_rules_is_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m gridcrm_rules`` runs the same command (its exit status and output)."""
    import subprocess
    import sys

    with pytest.raises(SystemExit) as stopped:  # argparse's --version exits
        main(["--version"])
    assert stopped.value.code == 0
    want = capsys.readouterr().out
    done = subprocess.run([sys.executable, "-m", "gridcrm_rules", "--version"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, want)
    missing = subprocess.run([sys.executable, "-m", "gridcrm_rules", "schema", "nothing"],
                             capture_output=True, text=True, timeout=120, check=False)
    assert missing.returncode == 2
    assert "invalid choice: 'nothing'" in missing.stderr
