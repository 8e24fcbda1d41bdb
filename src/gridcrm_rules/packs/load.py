"""Reading pack files (YAML, JSON, TOML or a mapping) and resolving ``extends``.

Errors are collected as :class:`ErrorRecord` with ``loc`` starting at the pack
and, for files, the line where the problem is, then raised together as one
:class:`PackError`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ErrorRecord, PackError, PackNotFound
from ..expr.check import suggest
from .schema import DecisionPatch, DecisionSpec, PackSpec, ParamSpec, RuleSpec

__all__ = ["PackSource", "ResolvedPack", "read_pack", "resolve"]

Loc = tuple[str | int, ...]
_TOP_LEVEL_KEYS = frozenset(PackSpec.model_fields)


@dataclass(frozen=True, slots=True)
class PackSource:
    """A validated pack document and where it came from (for error lines)."""

    spec: PackSpec
    origin: str
    lines: Mapping[Loc, int] = field(default_factory=dict)

    def line_of(self, path: Loc) -> int | None:
        """The 1-based line of the deepest known key on ``path``.

        ``path`` is a document path (``("decisions", "credit", ...)``) or an
        error ``loc``, which starts with the pack's name.
        """
        if path and path[0] == self.spec.name and path[0] not in _TOP_LEVEL_KEYS:
            path = path[1:]
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return None

    def where(self, path: Loc) -> str:
        """'file.yaml:12' for messages."""
        line = self.line_of(path)
        return f"{self.origin}:{line}" if line else self.origin


def _yaml_lines(text: str) -> dict[Loc, int]:
    """Map each key path of a YAML document to its line number."""
    lines: dict[Loc, int] = {}

    def walk(node: yaml.Node, path: Loc) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                walk(value, sub)
                lines[sub] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def _read_file(path: Path) -> tuple[Any, dict[Loc, int]]:
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            return yaml.safe_load(text), _yaml_lines(text)
        if suffix == ".json":
            return json.loads(text), {}
        if suffix == ".toml":
            return tomllib.loads(text), {}
    except (yaml.YAMLError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(str(path), [ErrorRecord("file_syntax", (str(path),), str(exc))]) from None
    msg = f"expected .yaml, .yml, .json or .toml, got {suffix!r}"
    raise PackError(str(path), [ErrorRecord("file_type", (str(path),), msg)])


def _pydantic_errors(exc: ValidationError, prefix: Loc, src: PackSource) -> list[ErrorRecord]:
    out = []
    for e in exc.errors(include_url=False):
        loc = (*prefix, *e["loc"])
        out.append(ErrorRecord(e["type"], loc, f"{e['msg']} ({src.where(loc)})", e.get("input")))
    return out


def read_pack(
    source: str | os.PathLike[str] | Mapping[str, Any] | PackSpec, *, origin: str = ""
) -> PackSource:
    """Read and validate one pack document (not yet resolved against its base)."""
    if isinstance(source, PackSpec):
        return PackSource(source, origin or f"<pack {source.name}>")
    lines: dict[Loc, int] = {}
    if isinstance(source, Mapping):
        data: Any = source
        origin = origin or "<mapping>"
    else:
        path = Path(source)
        if not path.is_file():
            raise PackNotFound(f"pack file not found: {path}")
        data, lines = _read_file(path)
        origin = origin or str(path)
    if not isinstance(data, Mapping):
        raise PackError(origin, [ErrorRecord("pack_type", (origin,), "a pack must be a mapping")])
    try:
        spec = PackSpec.model_validate(data)
    except ValidationError as exc:
        stub = PackSource(PackSpec(name="invalid"), origin, lines)
        raise PackError(origin, _pydantic_errors(exc, (), stub)) from None
    return PackSource(spec, origin, lines)


@dataclass(frozen=True, slots=True)
class ResolvedPack:
    """A pack with its ``extends`` chain merged: full params and decisions.

    ``origins`` maps each decision to the source that last defined or patched
    it, so compile errors can name the right file and line.
    """

    name: str
    version: str
    description: str
    lineage: tuple[str, ...]
    requires: tuple[str, ...]
    params: Mapping[str, ParamSpec]
    decisions: Mapping[str, DecisionSpec]
    origins: Mapping[str, PackSource]
    rule_origins: Mapping[tuple[str, str], tuple[PackSource, int]] = field(default_factory=dict)
    """(decision, rule id) -> the source that wrote the rule and its index there."""


class _Collector:
    """Validates pieces of one layer, collecting errors instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[ErrorRecord] = []

    def model(self, model: type[BaseModel], data: Any, loc: Loc, src: PackSource) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.errors.extend(_pydantic_errors(exc, loc, src))
            return None

    def add(self, kind: str, loc: Loc, msg: str, value: Any = None) -> None:
        self.errors.append(ErrorRecord(kind, loc, msg, value))


def _merge_rules(
    base: tuple[RuleSpec, ...], patch: DecisionPatch, loc: Loc, src: PackSource, out: _Collector
) -> tuple[RuleSpec, ...]:
    """Remove, replace (same id) or insert (``before``/``after``, else append) rules."""
    rules = list(base)
    for rid in patch.remove_rules:
        ids = [r.id for r in rules]
        if rid not in ids:
            out.add(
                "unknown_rule",
                (*loc, "remove_rules", rid),
                f"no rule {rid!r} to remove ({src.where(loc)})",
            )
            continue
        del rules[ids.index(rid)]
    for rule in patch.rules:
        ids = [r.id for r in rules]
        anchor = rule.before or rule.after
        if anchor is not None and anchor not in ids:
            msg = f"anchor rule {anchor!r} not found ({src.where(loc)})"
            out.add("unknown_rule", (*loc, "rules", rule.id), msg)
            continue
        if rule.id in ids and anchor is None:
            rules[ids.index(rule.id)] = rule
            continue
        if rule.id in ids:
            del rules[ids.index(rule.id)]
            ids.remove(rule.id)
        if anchor is None:
            rules.append(rule)
        else:
            rules.insert(ids.index(anchor) + (1 if rule.after else 0), rule)
    return tuple(rules)


def _merge_params(
    base: Mapping[str, ParamSpec], layer: PackSource, out: _Collector
) -> dict[str, ParamSpec]:
    params = dict(base)
    for name, value in layer.spec.params.items():
        loc: Loc = (layer.spec.name, "params", name)
        if isinstance(value, Mapping) and "type" in value:
            spec = out.model(ParamSpec, value, loc, layer)
            if spec is not None:
                params[name] = spec
        elif name in params:
            new = out.model(ParamSpec, {**params[name].model_dump(), "default": value}, loc, layer)
            if new is not None:
                params[name] = new
        else:
            msg = (
                f"parameter {name!r} is not declared by a base pack{suggest(name, list(params))}; "
                f"declare it with a type ({layer.where(loc)})"
            )
            out.add("unknown_param", loc, msg, value)
    return params


def _apply_decision(
    current: DecisionSpec | None,
    body: Mapping[str, Any],
    loc: Loc,
    layer: PackSource,
    out: _Collector,
) -> DecisionSpec | None:
    if current is None:
        new: DecisionSpec | None = out.model(DecisionSpec, body, loc, layer)
        return new
    patch: DecisionPatch | None = out.model(DecisionPatch, body, loc, layer)
    if patch is None:
        return None
    merged = current.model_dump(exclude={"rules"})
    for key in ("description", "hit_policy", "default", "assumptions"):
        if getattr(patch, key) is not None:
            merged[key] = getattr(patch, key)
    merged["outputs"] = {**current.outputs, **patch.outputs}
    merged["rules"] = _merge_rules(current.rules, patch, loc, layer, out)
    result: DecisionSpec | None = out.model(DecisionSpec, merged, loc, layer)
    return result


def resolve(src: PackSource, lookup: Callable[[str], PackSource]) -> ResolvedPack:
    """Merge ``src`` over its ``extends`` chain; ``lookup`` finds a base by name."""
    chain = [src]
    while (base_name := chain[-1].spec.extends) is not None:
        names = [s.spec.name for s in chain]
        if base_name in names:
            cycle = " -> ".join([*names, base_name])
            record = ErrorRecord(
                "extends_cycle", (src.spec.name, "extends"), f"extends forms a cycle: {cycle}"
            )
            raise PackError(src.origin, [record])
        chain.append(lookup(base_name))
    out = _Collector()
    params: dict[str, ParamSpec] = {}
    decisions: dict[str, DecisionSpec] = {}
    origins: dict[str, PackSource] = {}
    requires: list[str] = []
    rule_origins: dict[tuple[str, str], tuple[PackSource, int]] = {}
    for layer in reversed(chain):
        params = _merge_params(params, layer, out)
        requires += [r for r in layer.spec.requires if r not in requires]
        for dname, body in layer.spec.decisions.items():
            loc: Loc = (layer.spec.name, "decisions", dname)
            new = _apply_decision(decisions.get(dname), body, loc, layer, out)
            if new is not None:
                decisions[dname] = new
                origins[dname] = layer
            for index, raw in enumerate(body.get("rules") or ()):
                if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
                    rule_origins[(dname, raw["id"])] = (layer, index)
    if out.errors:
        raise PackError(src.origin, out.errors)
    lineage = tuple(s.spec.name for s in chain)
    return ResolvedPack(
        name=src.spec.name,
        version=src.spec.version,
        description=src.spec.description,
        lineage=lineage,
        requires=tuple(r for r in requires if r not in lineage),
        params=params,
        decisions=decisions,
        origins=origins,
        rule_origins=rule_origins,
    )
