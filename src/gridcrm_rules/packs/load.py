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
from typing import Any, Final

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import ErrorRecord, PackError, PackNotFound
from ..expr.check import suggest
from .positions import Mark, allowed_keys, key_suggestion, load_with_marks, syntax_error
from .schema import DecisionPatch, DecisionSpec, PackSpec, ParamSpec, RuleSpec

__all__ = [
    "PackSource",
    "Position",
    "ResolvedPack",
    "read_pack",
    "read_pack_collecting",
    "resolve",
    "resolve_collecting",
    "validate_all",
]

Loc = tuple[str | int, ...]
_TOP_LEVEL_KEYS = frozenset(PackSpec.model_fields)
_MAX_PRUNES = 8


class Position(str):
    """'file.yaml:12:5' -- where a key is; :meth:`at` is a character inside its value."""

    value_start: tuple[str, int, int] | None = None
    value_line: str | None = None
    """The file's text line holding the value (for the caret of :meth:`source_at`)."""

    def at(self, offset: int | None) -> str:
        """'file.yaml:12:19': the column of character ``offset`` of a one-line value."""
        if offset is None or self.value_start is None:
            return str(self)
        origin, line, column = self.value_start
        return f"{origin}:{line}:{column + offset}"

    def source_at(self, offset: int | None) -> tuple[str, int] | None:
        """The file line and 0-based column of character ``offset`` of the value.

        The column is the one :meth:`at` names (less one), so a caret drawn under
        the line points where the message says; None when the value is not on one
        known line.
        """
        if offset is None or self.value_start is None or self.value_line is None:
            return None
        column = self.value_start[2] + offset - 1
        return (self.value_line, column) if 0 <= column < len(self.value_line) else None


@dataclass(frozen=True, slots=True)
class PackSource:
    """A validated pack document and where it came from (for error positions)."""

    spec: PackSpec
    origin: str
    marks: Mapping[Loc, Mark] = field(default_factory=dict)
    text: tuple[str, ...] = ()

    def _document_path(self, path: Loc) -> Loc:
        if path and path[0] == self.spec.name and path[0] not in _TOP_LEVEL_KEYS:
            return path[1:]
        return path

    def mark_of(self, path: Loc) -> Mark | None:
        """Where the deepest known key on ``path`` is.

        ``path`` is a document path (``("decisions", "credit", ...)``) or an
        error ``loc``, which starts with the pack's name.
        """
        path = self._document_path(path)
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.marks:
                return self.marks[path[:cut]]
        return None

    @property
    def lines(self) -> Mapping[Loc, int]:
        """Document path -> 1-based line of its key (the line part of :attr:`marks`)."""
        return {path: mark.line for path, mark in self.marks.items()}

    def line_of(self, path: Loc) -> int | None:
        """The 1-based line of the deepest known key on ``path``."""
        mark = self.mark_of(path)
        return mark.line if mark is not None else None

    def where(self, path: Loc, shift: int = 0) -> Position:
        """'file.yaml:12:5' for messages (a :class:`Position`).

        ``shift`` is where the checked text starts inside the value (1 after
        the ``=`` of a formula), so ``.at(offset)`` names the right column.
        """
        mark = self.mark_of(path)
        if mark is None:
            return Position(self.origin)
        position = Position(f"{self.origin}:{mark.line}:{mark.column}")
        if mark.inline and self._document_path(path) in self.marks:
            column = mark.value_column + mark.quote + shift
            position.value_start = (self.origin, mark.value_line, column)
            if 0 < mark.value_line <= len(self.text):
                position.value_line = self.text[mark.value_line - 1]
        return position

    def source_line(self, path: Loc) -> tuple[str | None, int | None]:
        """The text line of the key on ``path`` and the 0-based column of the key."""
        mark = self.mark_of(path)
        if mark is None or mark.line > len(self.text):
            return None, None
        return self.text[mark.line - 1], mark.column - 1


def _read_file(path: Path, origin: str) -> tuple[Any, dict[Loc, Mark], tuple[str, ...]]:
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data, marks = load_with_marks(text)
            return data, marks, tuple(text.splitlines())
        if suffix == ".json":
            return json.loads(text), {}, ()
        if suffix == ".toml":
            return tomllib.loads(text), {}, ()
    except yaml.YAMLError as exc:
        raise PackError(origin, [syntax_error(origin, exc, text)]) from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(origin, [ErrorRecord("file_syntax", (origin,), str(exc))]) from None
    msg = f"expected .yaml, .yml, .json or .toml, got {suffix!r}"
    raise PackError(origin, [ErrorRecord("file_type", (origin,), msg)])


def _pydantic_errors(
    exc: ValidationError, prefix: Loc, src: PackSource, model: type[BaseModel]
) -> list[ErrorRecord]:
    out = []
    for e in exc.errors(include_url=False):
        loc = (*prefix, *e["loc"])
        msg = e["msg"]
        if e["type"] == "extra_forbidden" and e["loc"]:
            key = str(e["loc"][-1])
            msg = f"unknown key {key!r}" + key_suggestion(key, allowed_keys(model, e["loc"][:-1]))
        line, column = src.source_line(loc)
        out.append(
            ErrorRecord(
                e["type"],
                loc,
                f"{msg} ({src.where(loc)})",
                e.get("input"),
                source_line=line,
                column=column,
            )
        )
    return out


_GONE: Final = object()


def _without(data: Any, loc: Loc) -> Any:
    """``data`` with the item at ``loc`` marked gone (its parent, if ``loc`` is absent)."""
    if not loc:
        return data
    if not _has(data, loc):
        return _without(data, loc[:-1]) if len(loc) > 1 else data
    head, rest = loc[0], loc[1:]
    if isinstance(data, Mapping):
        return {**data, head: _without(data[head], rest) if rest else _GONE}
    return [(_without(v, rest) if rest else _GONE) if i == head else v for i, v in enumerate(data)]


def _clean(data: Any) -> Any:
    """``data`` without the items :func:`_without` marked gone."""
    if isinstance(data, Mapping):
        return {k: _clean(v) for k, v in data.items() if v is not _GONE}
    if isinstance(data, list):
        return [_clean(v) for v in data if v is not _GONE]
    return data


def _has(data: Any, loc: Loc) -> bool:
    for part in loc:
        if isinstance(data, Mapping) and part in data:  # noqa: SIM114 - mypy narrows each branch
            data = data[part]
        elif isinstance(data, list | tuple) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return False
    return True


def validate_all(
    model: type[BaseModel], data: Any, prefix: Loc, src: PackSource
) -> tuple[Any, list[ErrorRecord]]:
    """Validate ``data``; on errors, drop what is wrong and validate again.

    Returns the model (or None when nothing valid remains) and every error
    found on the way -- so a bad key does not hide a bad value next to it, nor
    the conditions of the rules that are fine.  Only the first pass reports
    missing fields: later ones would be caused by the pruning itself.
    """
    errors: list[ErrorRecord] = []
    current = data
    for attempt in range(_MAX_PRUNES):
        try:
            return model.model_validate(current), errors
        except ValidationError as exc:
            for record in _pydantic_errors(exc, prefix, src, model):
                if record not in errors and (attempt == 0 or record.type != "missing"):
                    errors.append(record)
            pruned = current
            for e in exc.errors(include_url=False):
                pruned = _without(pruned, e["loc"])
            pruned = _clean(pruned)
            if pruned == current:
                break
            current = pruned
    return None, errors


def read_pack_collecting(
    source: str | os.PathLike[str] | Mapping[str, Any] | PackSpec, *, origin: str = ""
) -> tuple[PackSource, list[ErrorRecord]]:
    """Read one pack document; errors that leave a usable pack are returned, not raised."""
    if isinstance(source, PackSpec):
        return PackSource(source, origin or f"<pack {source.name}>"), []
    marks: dict[Loc, Mark] = {}
    text: tuple[str, ...] = ()
    if isinstance(source, Mapping):
        data: Any = source
        origin = origin or "<mapping>"
    else:
        path = Path(source)
        if not path.is_file():
            raise PackNotFound(f"pack file not found: {path}")
        origin = origin or str(path)
        data, marks, text = _read_file(path, origin)
    if not isinstance(data, Mapping):
        raise PackError(origin, [ErrorRecord("pack_type", (origin,), "a pack must be a mapping")])
    stub = PackSource(PackSpec(name="invalid"), origin, marks, text)
    spec, errors = validate_all(PackSpec, data, (), stub)
    if spec is None:
        raise PackError(origin, errors)
    return PackSource(spec, origin, marks, text), errors


def read_pack(
    source: str | os.PathLike[str] | Mapping[str, Any] | PackSpec, *, origin: str = ""
) -> PackSource:
    """Read and validate one pack document (not yet resolved against its base).

    Raises one :class:`PackError` holding every problem of the document.
    """
    src, errors = read_pack_collecting(source, origin=origin)
    if errors:
        raise PackError(src.origin, errors)
    return src


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
        value, errors = validate_all(model, data, loc, src)
        self.errors.extend(errors)
        return value

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
    for key in ("description", "hit_policy", "default", "assumptions", "declared_regions"):
        if getattr(patch, key) is not None:
            merged[key] = getattr(patch, key)
    merged["outputs"] = {**current.outputs, **patch.outputs}
    merged["rules"] = _merge_rules(current.rules, patch, loc, layer, out)
    result: DecisionSpec | None = out.model(DecisionSpec, merged, loc, layer)
    return result


def resolve(src: PackSource, lookup: Callable[[str], PackSource]) -> ResolvedPack:
    """Merge ``src`` over its ``extends`` chain; ``lookup`` finds a base by name.

    Raises one :class:`PackError` with every problem found.
    """
    resolved, errors = resolve_collecting(src, lookup)
    if errors:
        raise PackError(src.origin, errors)
    return resolved


def resolve_collecting(
    src: PackSource, lookup: Callable[[str], PackSource]
) -> tuple[ResolvedPack, list[ErrorRecord]]:
    """Like :func:`resolve`, returning the errors of parts it had to leave out."""
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
    lineage = tuple(s.spec.name for s in chain)
    resolved = ResolvedPack(
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
    return resolved, out.errors
