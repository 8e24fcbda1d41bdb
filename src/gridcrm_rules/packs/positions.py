"""Where things are in a pack file: line and column of every key, YAML syntax errors.

Pack errors name ``file:line:column`` and show the line with a caret.  The
positions come from PyYAML's own node marks (one compose per file,
:func:`load_with_marks`); a syntax
error is re-worded from PyYAML's marked error, with the pack file's name in
place of ``<unicode string>``.  Unknown keys get a did-you-mean from the
pydantic model that refused them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from .._text import suggest
from ..errors import ErrorRecord

__all__ = ["Mark", "allowed_keys", "key_suggestion", "load_with_marks", "syntax_error"]

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Mark:
    """Where one key and its value start (1-based lines and columns).

    ``inline`` is True for a value on one line written plain or quoted, so a
    character offset inside the value is a column on that line (``quote`` is
    1 for a quoted value, 0 for a plain one).
    """

    line: int
    column: int
    value_line: int
    value_column: int
    inline: bool = False
    quote: int = 0


def _value_mark(key: yaml.Node | None, node: yaml.Node) -> Mark:
    start = key.start_mark if key is not None else node.start_mark
    inline = (
        isinstance(node, yaml.ScalarNode)
        and node.style in (None, "", "'", '"')
        and node.start_mark.line == node.end_mark.line
    )
    quote = 1 if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"') else 0
    return Mark(
        start.line + 1,
        start.column + 1,
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        inline,
        quote,
    )


def _marks_of(root: yaml.Node | None) -> dict[Loc, Mark]:
    """Each key path under ``root`` -> where its key and value start (before merge keys
    ``<<`` are flattened, which construction does in place)."""
    marks: dict[Loc, Mark] = {}

    def walk(node: yaml.Node, path: Loc, key: yaml.Node | None) -> None:
        marks[path] = _value_mark(key, node)
        if isinstance(node, yaml.MappingNode):
            for k, value in node.value:
                walk(value, (*path, str(k.value)), k)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i), None)

    if root is not None:
        walk(root, (), None)
    return marks


_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's libyaml-backed safe loader when the wheel has it (a pure-Python fallback)."""


def load_with_marks(text: str) -> tuple[Any, dict[Loc, Mark]]:
    """``yaml.safe_load(text)`` and the marks of every key path, from one parse.

    The document is composed once (by libyaml when PyYAML has it: the same data and
    marks on every pack file of the repository, several times faster than parsing
    twice in Python).  A syntax error is raised as the pure-Python parser words it,
    so error messages do not depend on the build of PyYAML.
    """
    loader = _FAST_LOADER(text)
    try:
        root = loader.get_single_node()
        marks = _marks_of(root)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError:
        yaml.safe_load(text)  # raises the canonical error
        raise
    finally:
        loader.dispose()
    return data, marks


def syntax_error(origin: str, exc: yaml.YAMLError, text: str) -> ErrorRecord:
    """A PyYAML error as one record: ``file:line:column: problem``, the line and a caret."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{problem} ({context})" if context else problem
    if mark is None:
        return ErrorRecord("file_syntax", (origin,), f"YAML syntax error in {origin}: {detail}")
    lines = text.splitlines()
    source = lines[mark.line] if mark.line < len(lines) else None
    msg = f"YAML syntax error at {origin}:{mark.line + 1}:{mark.column + 1}: {detail}"
    return ErrorRecord(
        "file_syntax", (origin,), msg, source_line=source, column=mark.column if source else None
    )


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _is_container(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(_is_container(a) for a in typing.get_args(annotation))
    return origin in (list, tuple, dict, Mapping)


def allowed_keys(model: type[BaseModel], loc: Loc) -> tuple[str, ...]:
    """The keys the model at ``loc`` (a pydantic error loc without its last part) accepts."""
    current: type[BaseModel] | None = model
    pending_container = False
    for part in loc:
        if current is None:
            return ()
        if pending_container:
            pending_container = False
            continue  # a list index or a mapping key inside a container field
        field = current.model_fields.get(str(part))
        if field is None:
            return ()
        annotation = field.annotation
        models = _models_in(annotation)
        current = models[0] if models else None
        pending_container = _is_container(annotation)
    return tuple(current.model_fields) if current is not None else ()


def key_suggestion(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    """' (did you mean 'decisions'?)' or, with no close match, the keys allowed there."""
    close = suggest(key, allowed)
    if close:
        return close
    if allowed:
        return "; allowed here: " + ", ".join(allowed)
    return ""
