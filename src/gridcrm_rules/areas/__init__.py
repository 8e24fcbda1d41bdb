"""The regulation areas, one folder each: its packs (YAML), its facts, and each
fact's columnar twin beside its original (docs/architecture.md).

The engine imports no area by name: :mod:`gridcrm_rules.builtin` lists the built-in
fact providers and :data:`gridcrm_rules.packs.registry.BUILTIN_PACKS` the pack files.
"""
