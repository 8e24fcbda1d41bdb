"""Reading pack files (YAML/JSON/TOML/mapping), ``extends`` and the errors packs report."""

from __future__ import annotations

import json
import re
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import gridcrm_rules as gr
from gridcrm_rules.errors import PackError, PackNameClash, PackNotFound
from gridcrm_rules.packs import PackRegistry, read_pack
from gridcrm_rules.packs.schema import ParamSpec

AS_OF = "2026-11-22T09:00:00+08:00"
CUSTOMER = {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}
GAP_EVENTS = [
    {"type": "bill_issued", "id": "b1", "period": "2026-09", "amount": "10.00", "due": "2026-10-20"}
]

TIER_PACK: dict[str, Any] = {
    "name": "tiers",
    "version": "1.2.3",
    "decisions": {
        "tier": {
            "outputs": {"level": {"type": "str"}},
            "rules": [
                {
                    "id": "HV",
                    "when": "customer.supply_voltage_kv >= 10",
                    "outputs": {"level": "hv"},
                },
                {"id": "LV", "when": "True", "outputs": {"level": "lv"}},
            ],
        }
    },
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def level(engine: gr.Engine, kv: str) -> Any:
    d = engine.evaluate({**CUSTOMER, "supply_voltage_kv": kv}, [], as_of=AS_OF)
    return d.outcomes["tier"].values["level"]


def test_load_yaml_file(tmp_path: Path) -> None:
    """A YAML pack file loads and decides."""
    path = write(
        tmp_path,
        "tiers.yaml",
        """
        name: tiers
        decisions:
          tier:
            outputs: {level: {type: str}}
            rules:
              - {id: HV, when: "customer.supply_voltage_kv >= 10", outputs: {level: hv}}
              - {id: LV, when: "True", outputs: {level: lv}}
        """,
    )
    engine = gr.Engine.from_packs([path])
    assert (level(engine, "10"), level(engine, "0.38")) == ("hv", "lv")


def test_load_json_file(tmp_path: Path) -> None:
    """A JSON pack file loads and decides."""
    path = tmp_path / "tiers.json"
    path.write_text(json.dumps(TIER_PACK), encoding="utf-8")
    engine = gr.Engine.from_packs([str(path)])
    assert level(engine, "35") == "hv"
    assert engine.packs[0].version == "1.2.3"


def test_load_toml_file(tmp_path: Path) -> None:
    """A TOML pack file loads and decides."""
    path = write(
        tmp_path,
        "tiers.toml",
        """
        name = "tiers"
        [decisions.tier.outputs.level]
        type = "str"
        [[decisions.tier.rules]]
        id = "HV"
        when = "customer.supply_voltage_kv >= 10"
        outputs = { level = "hv" }
        [[decisions.tier.rules]]
        id = "LV"
        outputs = { level = "lv" }
        """,
    )
    engine = gr.Engine.from_packs([path])
    assert (level(engine, "110"), level(engine, "0.22")) == ("hv", "lv")


def test_load_mapping() -> None:
    """A plain mapping is a pack too."""
    assert level(gr.Engine.from_packs([TIER_PACK]), "0.22") == "lv"


def test_unsupported_file_type_refused(tmp_path: Path) -> None:
    """Only .yaml/.yml/.json/.toml files are packs."""
    path = write(tmp_path, "tiers.ini", "[x]\n")
    with pytest.raises(PackError, match=r"expected \.yaml, \.yml, \.json or \.toml, got '\.ini'"):
        read_pack(path)


def test_missing_file_is_pack_not_found(tmp_path: Path) -> None:
    """A path that does not exist raises PackNotFound naming it."""
    with pytest.raises(PackNotFound, match=r"nope\.yaml"):
        gr.Engine.from_packs([tmp_path / "nope.yaml"])


def test_unknown_pack_name_lists_known_packs() -> None:
    """An unknown pack name is PackNotFound listing the registered names."""
    with pytest.raises(PackNotFound, match="no pack named 'credits'; known packs: ") as info:
        gr.Engine.from_packs(["credits"])
    known = str(info.value).split("known packs: ")[1].split(", ")
    assert {"credit", "credit_strict"} <= set(known)
    assert known == sorted(known)


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    """Broken YAML is a PackError of type file_syntax naming the file."""
    path = write(tmp_path, "broken.yaml", "name: [unclosed\n")
    with pytest.raises(PackError) as info:
        read_pack(path)
    assert info.value.errors[0].type == "file_syntax"
    assert str(path) in str(info.value)


def test_schema_errors_are_collected_with_lines(tmp_path: Path) -> None:
    """Top-level schema problems are all reported, each with file:line."""
    path = write(
        tmp_path,
        "bad.yaml",
        """
        name: Bad Name
        version: "1"
        colour: blue
        """,
    )
    with pytest.raises(PackError) as info:
        read_pack(path)
    text = str(info.value)
    assert text.startswith(f"2 errors in {path}")
    assert f"({path}:1:" in text
    assert f"({path}:3:" in text


def test_extends_overrides_a_param_and_replaces_a_rule(fixtures_dir: Path) -> None:
    """A child pack changes a default and replaces CR-GAP by id, keeping the rule order."""
    engine = gr.Engine.from_packs([fixtures_dir / "packs" / "credit_custom.yaml"])
    (pack,) = engine.resolved_packs
    assert pack.lineage == ("credit_custom", "credit")
    assert engine.params["year_window"] == "calendar_year"
    assert engine.params["arrears_reading"] == "age"
    assert [r.id for r in pack.decisions["credit"].rules] == [
        "CR-D",
        "CR-C",
        "CR-B",
        "CR-GAP",
        "CR-A",
    ]
    d = engine.evaluate(CUSTOMER, GAP_EVENTS, as_of=AS_OF)
    assert d.credit is not None
    assert (d.credit.grade, d.credit.rule_ids) == ("C", ("CR-GAP",))
    assert d.trace.hits[0].source.document == "tests/fixtures/packs/credit_custom.yaml"


def test_builtin_credit_strict_removes_cr_gap() -> None:
    """``remove_rules`` drops a base rule: credit_strict has no CR-GAP."""
    _, strict = PackRegistry.builtin().resolve("credit_strict")
    assert [r.id for r in strict.decisions["credit"].rules] == ["CR-D", "CR-C", "CR-B", "CR-A"]


def test_remove_rules_unknown_id_refused() -> None:
    """Removing a rule the base does not have is an error naming it."""
    pack = {
        "name": "child",
        "extends": "credit",
        "decisions": {"credit": {"remove_rules": ["CR-Q"]}},
    }
    with pytest.raises(PackError, match="no rule 'CR-Q' to remove") as info:
        gr.Engine.from_packs([pack])
    assert info.value.errors[0].loc == ("child", "decisions", "credit", "remove_rules", "CR-Q")


@pytest.mark.parametrize(
    ("anchor", "order"),
    [
        ({"before": "CR-A"}, ["CR-D", "CR-C", "CR-B", "CR-GAP", "NEW", "CR-A"]),
        ({"after": "CR-D"}, ["CR-D", "NEW", "CR-C", "CR-B", "CR-GAP", "CR-A"]),
        ({"before": "CR-D"}, ["NEW", "CR-D", "CR-C", "CR-B", "CR-GAP", "CR-A"]),
        ({}, ["CR-D", "CR-C", "CR-B", "CR-GAP", "CR-A", "NEW"]),
    ],
)
def test_before_after_place_a_new_rule(anchor: dict[str, str], order: list[str]) -> None:
    """A new rule goes before/after its anchor, or is appended without one."""
    rule = {"id": "NEW", "when": "billing_months > 100", "outputs": {"grade": "A"}, **anchor}
    pack = {"name": "child", "extends": "credit", "decisions": {"credit": {"rules": [rule]}}}
    _, resolved = PackRegistry.builtin().resolve(pack)
    assert [r.id for r in resolved.decisions["credit"].rules] == order


def test_moving_an_existing_rule_with_an_anchor() -> None:
    """A rule with an existing id and an anchor is moved (and replaced), not duplicated."""
    rule = {
        "id": "CR-A",
        "when": "not theft_or_violation_3y",
        "outputs": {"grade": "A"},
        "after": "CR-D",
    }
    pack = {"name": "child", "extends": "credit", "decisions": {"credit": {"rules": [rule]}}}
    _, resolved = PackRegistry.builtin().resolve(pack)
    rules = resolved.decisions["credit"].rules
    assert [r.id for r in rules] == ["CR-D", "CR-A", "CR-C", "CR-B", "CR-GAP"]
    assert rules[1].when == "not theft_or_violation_3y"


def test_unknown_anchor_refused() -> None:
    """An anchor naming no rule is an error."""
    rule = {"id": "NEW", "when": "True", "outputs": {"grade": "A"}, "before": "CR-Z"}
    pack = {"name": "child", "extends": "credit", "decisions": {"credit": {"rules": [rule]}}}
    with pytest.raises(PackError, match="anchor rule 'CR-Z' not found"):
        gr.Engine.from_packs([pack])


def test_before_and_after_together_refused() -> None:
    """A rule cannot give both ``before`` and ``after``."""
    rule = {"id": "NEW", "when": "True", "before": "CR-A", "after": "CR-D"}
    pack = {"name": "child", "extends": "credit", "decisions": {"credit": {"rules": [rule]}}}
    with pytest.raises(PackError, match="give 'before' or 'after', not both"):
        gr.Engine.from_packs([pack])


def test_child_param_value_must_fit_the_base_declaration() -> None:
    """Overriding a choice param with a value outside its choices is refused."""
    pack = {"name": "child", "extends": "credit", "params": {"year_window": "fiscal"}}
    with pytest.raises(PackError, match=r"expected one of .*got 'fiscal'"):
        gr.Engine.from_packs([pack])


def test_unknown_param_in_child_refused(tmp_path: Path) -> None:
    """A child setting a param no base declares is refused, naming the param and the file."""
    path = write(
        tmp_path,
        "child.yaml",
        """
        name: child
        extends: credit
        params:
          arrears_readng: amount
        """,
    )
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([path])
    (error,) = info.value.errors
    assert error.type == "unknown_param"
    assert error.loc == ("child", "params", "arrears_readng")
    assert str(path) in error.msg


def test_errors_inside_a_decision_name_the_line(tmp_path: Path) -> None:
    """Errors found while merging a layer (unknown param, bad hit_policy) cite file:line."""
    path = write(
        tmp_path,
        "child.yaml",
        """
        name: child
        extends: credit
        params:
          arrears_readng: amount
        decisions:
          extra:
            hit_policy: firts
            rules: []
        """,
    )
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([path])
    messages = [e.msg for e in info.value.errors]
    assert any(f"({path}:4:" in m for m in messages), messages
    assert any(f"({path}:7:" in m for m in messages), messages


def test_bad_when_reports_file_line_and_caret(tmp_path: Path) -> None:
    """A bad condition in a pack file names pack, decision, rule, the file:line and a caret."""
    path = write(
        tmp_path,
        "tiers.yaml",
        """
        name: tiers
        decisions:
          tier:
            outputs:
              level: {type: str}
            rules:
              - id: HV
                when: customer.supply_voltage_kv >= 10
                outputs: {level: hv}
              - id: RES
                when: customer.categry == "residential"
                outputs: {level: res}
        """,
    )
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([path])
    (error,) = info.value.errors
    assert error.loc == ("tiers", "tier", "RES", "when", 0)
    assert f"({path}:11:" in error.msg
    assert "did you mean 'customer.category'" in error.msg
    assert error.render().splitlines()[-2:] == [
        '            when: customer.categry == "residential"',
        "                  ^",
    ]


def test_disallowed_syntax_in_pack_reports_line(tmp_path: Path) -> None:
    """A construct outside the language in a pack file names its line and column."""
    path = write(
        tmp_path,
        "tiers.yaml",
        """
        name: tiers
        decisions:
          tier:
            outputs:
              level: {type: str}
            rules:
              - id: POW
                when: customer.supply_voltage_kv ** 2 > 100
                outputs: {level: hv}
        """,
    )
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([path])
    (error,) = info.value.errors
    assert error.type == "not_allowed"
    assert f"({path}:8:" in error.msg
    assert "** is not allowed" in error.msg


def test_bad_when_in_extending_pack_reports_its_own_line(tmp_path: Path) -> None:
    """A bad condition in a rule added by a child pack cites the child file and that rule's line."""
    path = write(
        tmp_path,
        "child.yaml",
        """
        name: child
        extends: credit
        decisions:
          credit:
            rules:
              - id: CR-X
                after: CR-D
                when: arrears_amount > 10
                outputs: {grade: C}
              - id: CR-Y
                after: CR-X
                when: arears_amount > 10
                outputs: {grade: C}
        """,
    )
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([path])
    (error,) = info.value.errors
    assert error.loc[:3] == ("child", "credit", "CR-Y")
    assert f"({path}:12:" in error.msg


def test_all_condition_errors_collected_across_rules(tmp_path: Path) -> None:
    """Every bad rule of a pack is reported in one PackError."""
    pack = {
        "name": "many",
        "decisions": {
            "d": {
                "outputs": {"v": {"type": "number"}},
                "rules": [
                    {"id": "R1", "when": "nope > 1"},
                    {"id": "R2", "when": "x ** 2"},
                    {"id": "R3", "when": "True", "outputs": {"v": "ten"}},
                    {"id": "R4", "when": "True", "outputs": {"w": 1}},
                ],
            }
        },
    }
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([pack])
    assert [e.type for e in info.value.errors] == [
        "unknown_name",
        "not_allowed",
        "output_type",
        "unknown_output",
    ]
    assert str(info.value).startswith("4 errors in packs many")


def test_self_extends_is_a_cycle() -> None:
    """A pack extending itself is an extends cycle."""
    with pytest.raises(PackError, match=r"extends forms a cycle: loop -> loop"):
        gr.Engine.from_packs([{"name": "loop", "extends": "loop"}])


def test_extends_cycle_between_two_packs() -> None:
    """Two packs extending each other are refused with the cycle spelled out."""
    registry = PackRegistry.builtin()
    registry = registry.with_source(read_pack({"name": "aa", "extends": "bb"}))
    registry = registry.with_source(read_pack({"name": "bb", "extends": "aa"}))
    with pytest.raises(PackError) as info:
        registry.resolve("aa")
    assert info.value.errors[0].type == "extends_cycle"
    assert "aa -> bb -> aa" in str(info.value)


def test_extends_unknown_base() -> None:
    """Extending a pack that is not registered raises PackNotFound."""
    with pytest.raises(PackNotFound, match="no pack named 'credit2'"):
        gr.Engine.from_packs([{"name": "child", "extends": "credit2"}])


def test_decision_cycle_refused() -> None:
    """Two decisions reading each other's outputs are a PackError naming the cycle."""
    pack = {
        "name": "cyclic",
        "decisions": {
            "d1": {
                "outputs": {"v": {"type": "number"}},
                "rules": [{"id": "R", "when": "d2.v == 1", "outputs": {"v": 1}}],
            },
            "d2": {
                "outputs": {"v": {"type": "number"}},
                "rules": [{"id": "R", "when": "d1.v == 1", "outputs": {"v": 1}}],
            },
        },
    }
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs([pack])
    (error,) = info.value.errors
    assert error.type == "decision_cycle"
    assert re.search(r"cycle: (d1 -> d2 -> d1|d2 -> d1 -> d2)", error.msg)


def test_decision_cannot_read_its_own_output() -> None:
    """A decision reading its own output is an unknown name, not a silent self-loop."""
    pack = {
        "name": "selfish",
        "decisions": {
            "d1": {
                "outputs": {"v": {"type": "number"}},
                "rules": [{"id": "R", "when": "d1.v == 1", "outputs": {"v": 1}}],
            }
        },
    }
    with pytest.raises(PackError, match=r"unknown name 'd1\.v'"):
        gr.Engine.from_packs([pack])


def test_decisions_ordered_by_their_reads() -> None:
    """A decision reading another's output runs after it, whatever the file order."""
    pack = {
        "name": "ordered",
        "requires": ["credit"],
        "decisions": {
            "a_first_by_name": {
                "outputs": {"vip": {"type": "bool"}},
                "rules": [{"id": "VIP", "when": 'z_tier.level == "hv"', "outputs": {"vip": True}}],
            },
            "z_tier": {
                "outputs": {"level": {"type": "str", "nullable": True}},
                "rules": [
                    {
                        "id": "HV",
                        "when": "customer.supply_voltage_kv >= 10",
                        "outputs": {"level": "hv"},
                    }
                ],
            },
        },
    }
    engine = gr.Engine.from_packs([pack])
    names = [d.name for d in engine.program.decisions]
    assert names.index("z_tier") < names.index("a_first_by_name")
    d = engine.evaluate({**CUSTOMER, "supply_voltage_kv": "10"}, [], as_of=AS_OF)
    assert d.outcomes["a_first_by_name"].values == {"vip": True}


def test_decision_name_clash_between_two_packs() -> None:
    """Two packs defining the same decision are refused together."""
    with pytest.raises(PackError) as info:
        gr.Engine.from_packs(["credit", "credit_strict"])
    (error,) = info.value.errors
    assert error.type == "decision_clash"
    assert "'credit' and 'credit_strict'" in error.msg


def test_pack_name_clash_with_a_builtin_refused() -> None:
    """A user pack cannot take a registered name; it must extend instead."""
    with pytest.raises(
        PackNameClash, match="pack name 'credit' is claimed by <mapping> and an already registered"
    ) as info:
        gr.Engine.from_packs([{"name": "credit"}])
    assert info.value.name == "credit"
    assert "'extends' the other" in str(info.value)


def test_requires_loads_the_required_pack() -> None:
    """A pack that ``requires: [credit]`` gets credit loaded and can read credit.grade."""
    pack = {
        "name": "needs_credit",
        "requires": ["credit"],
        "decisions": {
            "flag": {
                "outputs": {"bad": {"type": "bool"}},
                "default": {"bad": False},
                "rules": [{"id": "BAD", "when": 'credit.grade == "D"', "outputs": {"bad": True}}],
            }
        },
    }
    engine = gr.Engine.from_packs([pack])
    assert [p.name for p in engine.packs] == ["needs_credit", "credit"]
    d = engine.evaluate(
        CUSTOMER, [{"type": "theft_detected", "id": "t", "at": "2026-01-01"}], as_of=AS_OF
    )
    assert d.outcomes["flag"].values == {"bad": True}


def test_requires_satisfied_by_an_extending_pack() -> None:
    """``requires: [credit]`` is satisfied by credit_strict (which extends credit); no clash."""
    pack = {"name": "needs_credit", "requires": ["credit"]}
    engine = gr.Engine.from_packs(["credit_strict", pack])
    assert [p.name for p in engine.packs] == ["credit_strict", "needs_credit"]


def test_param_clash_between_packs_refused() -> None:
    """Two packs declaring one parameter differently are refused."""
    pack = {"name": "other", "params": {"year_window": {"type": "str", "default": "x"}}}
    with pytest.raises(PackError, match="parameter 'year_window' is declared differently"):
        gr.Engine.from_packs(["credit", pack])


def test_literal_output_must_match_declared_choices() -> None:
    """A literal output outside the declared choices is refused ('expected ..., got ...')."""
    rule = {"id": "CR-E", "when": "True", "outputs": {"grade": "E"}}
    pack = {"name": "child", "extends": "credit", "decisions": {"credit": {"rules": [rule]}}}
    with pytest.raises(PackError, match=r"expected one of A\|B\|C\|D or None, got 'E'"):
        gr.Engine.from_packs([pack])


def test_formula_output_is_type_checked() -> None:
    """A formula output (``=expr``) giving the wrong type is refused."""
    pack = {
        "name": "formula",
        "decisions": {
            "d": {
                "outputs": {"v": {"type": "number"}},
                "rules": [{"id": "R", "when": "True", "outputs": {"v": "=customer.category"}}],
            }
        },
    }
    with pytest.raises(PackError, match="formula gives"):
        gr.Engine.from_packs([pack])


def test_formula_output_is_computed() -> None:
    """A formula output is evaluated per customer with Decimal arithmetic."""
    pack = {
        "name": "formula",
        "decisions": {
            "d": {
                "outputs": {"v": {"type": "number"}},
                "rules": [
                    {
                        "id": "R",
                        "when": "True",
                        "outputs": {"v": "=customer.supply_voltage_kv * 1000"},
                    }
                ],
            }
        },
    }
    d = gr.Engine.from_packs([pack]).evaluate(
        {**CUSTOMER, "supply_voltage_kv": "0.38"}, [], as_of=AS_OF
    )
    assert d.outcomes["d"].values["v"] == 380


def test_unknown_param_in_child_suggests_the_close_name() -> None:
    """A misspelt base parameter in a child pack gets a 'did you mean' hint."""
    pack = {"name": "child", "extends": "credit", "params": {"year_windw": "calendar_year"}}
    with pytest.raises(PackError, match="did you mean 'year_window'"):
        gr.Engine.from_packs([pack])


# -- declared ranges of number parameters ---------------------------------------------------
_values = st.decimals(min_value=-50, max_value=50, places=1, allow_nan=False)


@given(value=_values, low=st.integers(-10, 10), span=st.integers(0, 20), whole=st.booleans())
def test_a_number_param_is_accepted_exactly_inside_its_declared_range(
    value: Decimal, low: int, span: int, whole: bool
) -> None:
    """``minimum``/``maximum`` are inclusive; ``whole`` refuses a fraction; nothing else."""
    spec = ParamSpec(type="number", default=low, minimum=low, maximum=low + span, whole=whole)
    inside = low <= value <= low + span and (not whole or value == value.to_integral_value())
    try:
        stored = spec.coerce(value)
    except ValueError:
        assert not inside
    else:
        assert inside
        assert stored == value


def test_range_fields_belong_to_number_params_and_the_default_is_checked() -> None:
    with pytest.raises(ValueError, match="apply to number parameters"):
        ParamSpec(type="str", default="x", minimum=1)
    with pytest.raises(ValueError, match="expected at least 1, got 0"):
        ParamSpec(type="number", default=0, minimum=1)
    with pytest.raises(ValueError, match="minimum 5 is above maximum 1"):
        ParamSpec(type="number", default=1, minimum=5, maximum=1)
