"""Pack errors: every problem of a file at once, each with file:line:column, a caret, and
a did-you-mean for misspelt keys as well as names; YAML syntax errors in the file's words."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import gridcrm_rules as gr
from gridcrm_rules.errors import PackError


def write(tmp_path: Path, text: str, name: str = "my_credit.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def errors_of(path: Path) -> tuple[gr.ErrorRecord, ...]:
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([str(path)])
    return info.value.errors


def by_type(errors: tuple[gr.ErrorRecord, ...], kind: str) -> list[gr.ErrorRecord]:
    return [e for e in errors if e.type == kind]


def test_misspelt_keys_get_a_did_you_mean_at_line_and_column(tmp_path: Path) -> None:
    """decisons / hit_polcy / whn: each suggests the real key, with file:line:col and a caret."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extends: credit
        decisions:
          credit:
            hit_polcy: first
            rules:
              - id: CR-A
                whn: "True"
        decisons: {}
        """,
    )
    errors = errors_of(path)
    messages = {e.loc[-1]: e for e in by_type(errors, "extra_forbidden")}
    assert set(messages) == {"hit_polcy", "whn", "decisons"}
    assert "did you mean 'hit_policy'?" in messages["hit_polcy"].msg
    assert f"({path}:5:5)" in messages["hit_polcy"].msg
    assert "did you mean 'when'?" in messages["whn"].msg
    assert f"({path}:8:9)" in messages["whn"].msg
    assert "did you mean 'decisions'?" in messages["decisons"].msg
    assert f"({path}:9:1)" in messages["decisons"].msg
    rendered = messages["whn"].render().splitlines()
    assert rendered[-2:] == ['            whn: "True"', "            ^"]


def test_a_key_without_close_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    """With no near spelling, the message lists what is allowed at that place."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extends: credit
        decisions:
          credit:
            rules:
              - id: CR-A
                source: {clause: CR-A, zzz: 1}
        """,
    )
    (error,) = errors_of(path)
    assert "unknown key 'zzz'; allowed here: clause, document, text" in error.msg


def test_a_bad_parameter_value_does_not_hide_a_misspelt_fact(tmp_path: Path) -> None:
    """Schema, parameter, name and type problems of one file come in one PackError."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extends: credit
        params:
          year_window: fiscal
        decisions:
          credit:
            hit_polcy: first
            rules:
              - id: CR-B
                when: arrears_ovr_1m and credit_grade == 3
        """,
    )
    errors = errors_of(path)
    kinds = sorted(e.type for e in errors)
    assert kinds == ["extra_forbidden", "unknown_name", "unknown_name", "value_error"]
    (param,) = by_type(errors, "value_error")
    assert "expected one of ['rolling_12m', 'calendar_year'], got 'fiscal'" in param.msg
    assert f"({path}:4:3)" in param.msg
    first, second = by_type(errors, "unknown_name")
    assert "did you mean 'arrears_over_1m'" in first.msg
    # the column is the name's own column in the file: 'when: ' starts the value at 15
    assert f"({path}:10:15)" in first.msg
    assert f"({path}:10:34)" in second.msg
    assert first.render().splitlines()[-2:] == [
        "            when: arrears_ovr_1m and credit_grade == 3",
        "                  ^",  # under column 15, as the message says
    ]


def test_column_of_a_name_inside_a_quoted_formula(tmp_path: Path) -> None:
    """An output formula ("= ...") points at the misspelt name in the file."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extends: credit
        decisions:
          credit:
            rules:
              - id: CR-GAP
                outputs: {grade: "= 'A' if arrears_amont <= 100 else 'B'"}
        """,
    )
    (error,) = errors_of(path)
    line = path.read_text(encoding="utf-8").splitlines()[6]
    column = int(error.msg.rsplit(":", 1)[1].split(")")[0])
    assert line[column - 1 :].startswith("arrears_amont")


def test_yaml_syntax_error_names_the_pack_file_and_line(tmp_path: Path) -> None:
    """PyYAML's '<unicode string>' marks are re-worded with the file's own name."""
    path = write(
        tmp_path,
        """
        name: broken
        decisions:
          credit:
            rules: [
              - id: x
        """,
    )
    with pytest.raises(PackError) as info:
        gr.read_pack(path)
    (error,) = info.value.errors
    assert error.type == "file_syntax"
    assert "<unicode string>" not in str(info.value)
    assert error.msg.startswith(f"YAML syntax error at {path}:5:7: ")
    assert error.render().splitlines()[-2:] == ["          - id: x", "          ^"]


def test_read_pack_reports_every_schema_error(tmp_path: Path) -> None:
    """gr.read_pack (no compiling) still gives all top-level problems of the file."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extend: credit
        requires: credit
        """,
    )
    with pytest.raises(PackError) as info:
        gr.read_pack(path)
    messages = [e.msg for e in info.value.errors]
    assert len(messages) == 2
    assert any("did you mean 'extends'?" in m for m in messages)
    assert any("tuple" in m or "sequence" in m.lower() for m in messages)


def test_a_decision_of_an_unloaded_pack_says_which_pack_to_require(tmp_path: Path) -> None:
    """key_account.general without the key-accounts pack: 'add requires: [key_accounts]'."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extends: credit
        decisions:
          credit:
            rules:
              - id: CR-A
                when: key_account.general
        """,
    )
    (error,) = by_type(errors_of(path), "unknown_name")
    assert "decision 'key_account' is in pack 'key_accounts', which is not loaded" in error.msg
    assert "add 'requires: [key_accounts]'" in error.msg
    assert "did you mean" not in error.msg
    fixed = path.read_text(encoding="utf-8").replace(
        "extends: credit\n", "extends: credit\nrequires: [key_accounts]\n"
    )
    path.write_text(fixed, encoding="utf-8")
    assert gr.Engine.from_packs([path]).packs[0].name == "my_credit"  # the hint was the fix


def test_a_scenario_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    """Scenario files get the same re-worded syntax error as packs."""
    from gridcrm_rules.scenarios import load_scenario

    path = write(tmp_path, "name: x\nexpect: {credit: [\n", name="s.yaml")
    with pytest.raises(PackError) as info:
        load_scenario(path)
    (error,) = info.value.errors
    assert error.msg.startswith(f"YAML syntax error at {path}:3:1: ")
    assert "<unicode string>" not in str(info.value)


def _caret_column(error: gr.ErrorRecord, path: Path) -> tuple[int, int]:
    """The 1-based column the message names and the 1-based column the caret is under.

    Also checks the quoted line is the file's line the message names.
    """
    line, column = (int(n) for n in error.msg.split(f"{path}:", 1)[1].split(")")[0]
                    .split(":")[:2])
    quoted, caret = error.render().splitlines()[-2:]
    assert quoted == "    " + path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert caret.strip() == "^"
    return column, caret.index("^") - 4 + 1


@pytest.mark.parametrize(
    ("when", "kind"),
    [
        ("arrears_amount > 0 and arrears_ovr_1m", "unknown_name"),  # a name, deep in the line
        ("arrears_amount > > 0", "syntax"),  # Python's parser reports the column
        ("arrears_amount > 0 and credit_grade == 'A'", "unknown_name"),
    ],
)
def test_the_caret_of_an_expression_error_is_under_the_reported_column(
    tmp_path: Path, when: str, kind: str
) -> None:
    """'file:7:15' puts the caret under column 15 of line 7 of the file, not of the condition."""
    path = write(
        tmp_path,
        f"""
        name: my_credit
        extends: credit
        decisions:
          credit:
            rules:
              - id: CR-A
                when: "{when}"
        """,
    )
    (error,) = by_type(errors_of(path), kind)
    reported, under = _caret_column(error, path)
    assert reported > 20  # past the key: the condition's own column would be far less
    assert under == reported


def test_the_caret_of_a_formula_error_is_under_the_reported_column(tmp_path: Path) -> None:
    """In an output formula ("= ...") too, caret and message name the same column."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extends: credit
        decisions:
          credit:
            rules:
              - id: CR-GAP
                outputs: {grade: "=  'A' if arrears_amont <= 100 else 'B'"}
        """,
    )
    (error,) = errors_of(path)
    reported, under = _caret_column(error, path)
    assert under == reported
    assert path.read_text(encoding="utf-8").splitlines()[6][under - 1 :].startswith("arrears_amont")


def test_the_caret_of_a_yaml_syntax_error_is_under_the_reported_column(tmp_path: Path) -> None:
    """A YAML syntax error's caret sits under the column of 'file:line:column'."""
    path = write(
        tmp_path,
        """
        name: broken
        extends: credit
        description: a pack
        decisions:
          credit:
            hit_policy: first
            rules: [{id: x, when: "True"}, }]
        """,
    )
    with pytest.raises(PackError) as info:
        gr.read_pack(path)
    (error,) = info.value.errors
    assert error.type == "file_syntax"
    line_column = error.msg.split(f"{path}:", 1)[1].split(":")[:2]
    line, column = int(line_column[0]), int(line_column[1])
    quoted, caret = error.render().splitlines()[-2:]
    assert quoted == "    " + path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert column > 1
    assert caret.index("^") - 4 + 1 == column


def test_the_caret_stays_under_its_column_after_wide_characters() -> None:
    """CJK characters take two cells on a terminal, a tab stays a tab: the caret keeps up."""
    record = gr.ErrorRecord("x", (), "m", source_line="\t档案: bad", column=5)
    quoted, caret = record.render().splitlines()[-2:]
    assert quoted == "    \t档案: bad"
    assert caret == "    \t" + " " * 4 + " " + " " + "^"


def test_blanks_before_a_condition_do_not_shift_its_columns(tmp_path: Path) -> None:
    """'when: "  name"': message and caret name the name's own column, past the blanks."""
    path = write(
        tmp_path,
        """
        name: my_credit
        extends: credit
        decisions:
          credit:
            rules:
              - id: CR-A
                when: "  arrears_ovr_1m"
        """,
    )
    (error,) = errors_of(path)
    reported, under = _caret_column(error, path)
    assert under == reported
    assert path.read_text(encoding="utf-8").splitlines()[6][reported - 1 :].startswith(
        "arrears_ovr_1m"
    )
