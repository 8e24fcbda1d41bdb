"""The pack registry: built-in data files and entry-point plugins agree, clashes are refused.

Also the shared contract every registered pack passes (python-holidays style).
"""

from __future__ import annotations

from importlib import metadata, resources
from pathlib import Path

import pytest
import yaml

import gridcrm_rules as gr
from gridcrm_rules.cli import main
from gridcrm_rules.errors import PackError, PackNameClash, PackNotFound, PluginWarning
from gridcrm_rules.packs import BUILTIN_PACKS, ENTRY_POINT_GROUP, PackRegistry, read_pack
from gridcrm_rules.packs import registry as registry_module

DATA = Path(str(resources.files("gridcrm_rules")))
AS_OF = "2026-11-22T09:00:00+08:00"


def test_every_data_file_is_registered() -> None:
    """Each pack file shipped under areas/<area>/ has a BUILTIN_PACKS entry."""
    files = {p.relative_to(DATA).as_posix() for p in (DATA / "areas").rglob("*")
             if p.suffix in (".yaml", ".yml", ".json", ".toml")}
    assert files == set(BUILTIN_PACKS.values())


def test_every_registered_file_exists() -> None:
    """Each BUILTIN_PACKS entry names a file that exists."""
    missing = [f for f in BUILTIN_PACKS.values() if not (DATA / f).is_file()]
    assert missing == []


@pytest.mark.parametrize("name", sorted(BUILTIN_PACKS))
def test_builtin_file_name_matches_key(name: str) -> None:
    """The ``name:`` inside each built-in file equals its registry key."""
    data = yaml.safe_load((DATA / BUILTIN_PACKS[name]).read_text(encoding="utf-8"))
    assert data["name"] == name


@pytest.mark.parametrize("name", sorted(BUILTIN_PACKS))
def test_builtin_pack_loads_alone(name: str) -> None:
    """Every built-in name resolves and builds an engine on its own (with its requires)."""
    engine = gr.Engine.from_packs([name])
    assert engine.packs[0].name == name


@pytest.mark.parametrize("name", sorted(BUILTIN_PACKS))
def test_builtin_pack_contract(name: str) -> None:
    """Every built-in pack has a version, and every rule cites a source document."""
    registry = PackRegistry.builtin()
    _, pack = registry.resolve(name)
    assert pack.version
    assert pack.version != "0.0.0"
    for dname, decision in pack.decisions.items():
        for rule in decision.rules:
            assert rule.source is not None, (dname, rule.id)
            assert rule.source.document, (dname, rule.id)


def test_default_packs_are_registered() -> None:
    """Every pack ``Engine.default`` loads is a registered built-in."""
    assert set(gr.DEFAULT_PACKS) <= set(BUILTIN_PACKS)


def test_builtin_loader_refuses_a_mismatched_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A data file whose ``name:`` differs from its key is refused when loaded."""
    monkeypatch.setattr(
        registry_module, "BUILTIN_PACKS", {**BUILTIN_PACKS, "renamed": BUILTIN_PACKS["credit"]}
    )
    with pytest.raises(PackNotFound, match="holds pack 'credit', expected 'renamed'"):
        PackRegistry.builtin().get("renamed")


def test_registry_is_immutable() -> None:
    """``with_source`` returns a new registry and leaves the original unchanged."""
    base = PackRegistry.builtin()
    extended = base.with_source(read_pack({"name": "extra"}))
    assert "extra" in extended.names()
    assert "extra" not in base.names()


# -- entry points -------------------------------------------------------------------


@pytest.fixture
def fake_plugins(monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path) -> list[metadata.EntryPoint]:
    """Replace the installed entry points of the pack group with a controllable list."""
    monkeypatch.syspath_prepend(str(fixtures_dir))
    eps: list[metadata.EntryPoint] = []
    real = metadata.entry_points

    def entry_points(**kw: str) -> object:
        if kw.get("group") == ENTRY_POINT_GROUP:
            return metadata.EntryPoints(eps)
        return real(**kw)

    monkeypatch.setattr(registry_module.metadata, "entry_points", entry_points)
    return eps


def ep(name: str, target: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(
        name=name, value=f"gridcrm_fake_packs:{target}", group=ENTRY_POINT_GROUP
    )


def test_entry_point_mapping_pack_is_discovered(fake_plugins: list[metadata.EntryPoint]) -> None:
    """A plugin pack (a mapping) is listed next to the built-ins and usable by name."""
    fake_plugins.append(ep("credit_bonus", "BONUS"))
    registry = PackRegistry.discover()
    assert "credit_bonus" in registry.names()
    assert set(BUILTIN_PACKS) <= set(registry.names())
    engine = gr.Engine.from_packs(["credit_bonus"])
    assert [p.name for p in engine.packs] == ["credit_bonus", "credit"]
    customer = {
        "id": "C1",
        "category": "dedicated_transformer",
        "supply_voltage_kv": "10",
        "usage_nature": "industrial",
    }
    d = engine.evaluate(customer, [], as_of=AS_OF)
    assert d.outcomes["bonus"].values == {"eligible": True}
    assert d.outcomes["bonus"].rule_ids == ("BONUS-A",)


def test_entry_point_factory_and_spec(fake_plugins: list[metadata.EntryPoint]) -> None:
    """An entry point may be a factory (called) or a PackSpec object."""
    fake_plugins += [ep("voltage_tiers", "make_tiers"), ep("empty_spec", "SPEC")]
    registry = PackRegistry.discover()
    assert registry.get("empty_spec").spec.description == "A PackSpec entry point."
    engine = gr.Engine.from_packs(["voltage_tiers"])
    d = engine.evaluate(
        {"id": "C1", "category": "other", "supply_voltage_kv": "35"}, [], as_of=AS_OF
    )
    assert d.outcomes["voltage_tier"].values == {"tier": "hv"}
    assert engine.packs[0].version == "0.3.0"


def test_entry_point_loaded_lazily(fake_plugins: list[metadata.EntryPoint]) -> None:
    """A broken plugin does not stop discovery; it fails only when that pack is used."""
    fake_plugins.append(
        metadata.EntryPoint(name="broken", value="no_such_module_xyz:PACK", group=ENTRY_POINT_GROUP)
    )
    registry = PackRegistry.discover()
    assert "broken" in registry.names()
    assert gr.Engine.from_packs(["credit"], registry=registry).packs[0].name == "credit"
    with pytest.raises(PackError, match="entry point 'broken' = 'no_such_module_xyz:PACK'") as info:
        registry.get("broken")
    (record,) = info.value.errors
    assert record.type == "plugin_load"
    assert "ModuleNotFoundError" in record.msg


def test_a_plugin_that_raises_is_a_pack_error(
    fake_plugins: list[metadata.EntryPoint], fixtures_dir: Path
) -> None:
    """A factory that raises becomes a PackError naming the entry point, not a crash."""
    fake_plugins.append(ep("exploding", "explode"))
    with pytest.raises(PackError, match="entry point 'exploding'") as info:
        PackRegistry.discover().get("exploding")
    assert "RuntimeError: vendor bug" in info.value.errors[0].msg


def test_entry_point_clash_with_builtin_warns_and_keeps_the_builtin(
    fake_plugins: list[metadata.EntryPoint],
) -> None:
    """A plugin registering a built-in name is a warning; built-ins and the default engine work."""
    fake_plugins += [ep("credit", "SHADOW_CREDIT"), ep("credit_bonus", "BONUS")]
    with pytest.warns(PluginWarning, match="entry point 'credit' = 'gridcrm_fake_packs:SHADOW_"):
        registry = PackRegistry.discover()
    assert registry.get("credit").spec.version != "9.9.9"
    assert "credit_bonus" in registry.names()  # other plugins are unaffected
    with pytest.warns(PluginWarning):
        engine = gr.Engine.default()
    assert {p.name: p.version for p in engine.packs}["credit"] != "9.9.9"


def test_entry_point_clash_between_plugins_is_a_typed_error_by_name(
    fake_plugins: list[metadata.EntryPoint],
) -> None:
    """Two plugins registering one name: a warning, and PackNameClash when that name is used."""
    fake_plugins += [
        ep("voltage_tiers", "make_tiers"),
        ep("voltage_tiers", "make_tiers"),
        ep("credit_bonus", "BONUS"),
    ]
    with pytest.warns(PluginWarning, match="'voltage_tiers' is registered by entry point"):
        registry = PackRegistry.discover()
    with pytest.raises(PackNameClash, match="'voltage_tiers' is claimed by entry point") as info:
        registry.get("voltage_tiers")
    assert len(info.value.claimants) == 2
    assert gr.Engine.from_packs(["credit_bonus"], registry=registry).packs[0].name == "credit_bonus"


def test_entry_point_name_must_match_pack_name(fake_plugins: list[metadata.EntryPoint]) -> None:
    """An entry point whose pack carries another name is a PackError when loaded."""
    fake_plugins.append(ep("misnamed", "MISNAMED"))
    with pytest.raises(PackError, match="loads a pack named 'not_the_entry_point_name'") as info:
        PackRegistry.discover().get("misnamed")
    assert info.value.errors[0].type == "entry_point_name"


def test_packs_listing_survives_faulty_plugins(
    fake_plugins: list[metadata.EntryPoint], capsys: pytest.CaptureFixture[str]
) -> None:
    """``gridcrm-rules packs`` lists the good packs and warns about each faulty one."""
    fake_plugins += [ep("misnamed", "MISNAMED"), ep("exploding", "explode"),
                     ep("credit_bonus", "BONUS")]
    assert main(["packs"]) == 0
    captured = capsys.readouterr()
    assert "credit_bonus 2.1.0" in captured.out
    assert "credit_strict" in captured.out
    assert "warning: pack misnamed skipped" in captured.err
    assert "warning: pack exploding skipped" in captured.err


def test_user_pack_cannot_take_a_plugin_name(fake_plugins: list[metadata.EntryPoint]) -> None:
    """A user pack named like an installed plugin is refused (extend it instead)."""
    fake_plugins.append(ep("credit_bonus", "BONUS"))
    with pytest.raises(PackNameClash, match="already registered"):
        gr.Engine.from_packs([{"name": "credit_bonus"}])


def test_user_pack_can_extend_a_plugin(fake_plugins: list[metadata.EntryPoint]) -> None:
    """A user pack may ``extends:`` a plugin pack and patch its rule."""
    fake_plugins.append(ep("credit_bonus", "BONUS"))
    child = {
        "name": "my_bonus",
        "extends": "credit_bonus",
        "decisions": {
            "bonus": {
                "rules": [
                    {
                        "id": "BONUS-A",
                        "when": 'credit.grade in ("A", "B")',
                        "outputs": {"eligible": True},
                    }
                ]
            }
        },
    }
    engine = gr.Engine.from_packs([child])
    d = engine.evaluate(
        {"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"}, [], as_of=AS_OF
    )
    assert d.outcomes["bonus"].values == {"eligible": True}
    assert engine.resolved_packs[0].lineage == ("my_bonus", "credit_bonus")


def test_a_name_clash_is_still_caught_as_pack_not_found() -> None:
    """PackNameClash subclasses PackNotFound, so ``except PackNotFound`` keeps catching it."""
    registry = PackRegistry.builtin()
    with pytest.raises(PackNotFound) as info:
        registry.with_source(registry.get("credit"))
    assert type(info.value) is PackNameClash
