"""How the code blocks of README.md and docs/*.md run as tests (with sybil).

Every fenced block tagged ``python``, ``console``, ``yaml`` or ``toml`` runs, in
the order of the page, in a fresh working directory where ``examples/`` and
``tests/`` of the repository are visible:

* ``python`` blocks share one namespace per page and run as written;
* ``console`` blocks run each ``$ gridcrm-rules ...`` line through the CLI's
  ``main`` (``> FILE`` redirects stdout); the lines after a command are its
  expected output, compared like a doctest with ``...`` as a wildcard;
* ``yaml`` blocks must parse; a pack (``name`` and ``decisions``/``params``/
  ``extends``) must validate against the shipped JSON Schema and load (``yaml
  invalid``: must fail to), a
  scenario (``expect``) against the scenario schema; a pack with a new name
  is also compiled together with the built-in packs.  ``yaml file=NAME``
  also writes the block to ``NAME`` for the blocks after it;
* ``toml`` blocks must parse.

A block that must not run is preceded by ``<!-- skip: next -->`` (sybil's
skip directive); untagged blocks are shown output, not code.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from sybil import Example, Region, Sybil
from sybil.parsers.markdown import SkipParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

__all__ = ["DOC_SYBIL"]

_LEXER = FencedCodeBlockLexer(
    language=r"(?P<lang>python|console|yaml|toml)(?P<args>[^\n]*)",
    mapping={"lang": "lang", "args": "args", "source": "source"},
)
_CHECKER = doctest.OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _where(example: Example) -> str:
    return f"{example.path}:{example.line}"


def _python(example: Example) -> None:
    source = example.parsed["source"]
    code = compile(source, _where(example), "exec")
    exec(code, example.namespace)


def _run_cli(command: str) -> str:
    from gridcrm_rules.cli import main

    words = shlex.split(command)
    target = None
    if ">" in words:
        at = words.index(">")
        words, target = words[:at], words[at + 1]
    if not words or words[0] != "gridcrm-rules":
        raise AssertionError(
            f"console blocks run only 'gridcrm-rules' commands, not {command!r}; "
            "put <!-- skip: next --> before a block that must not run"
        )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(words[1:])
        except SystemExit as exc:  # argparse errors
            print(f"exit {exc.code}", file=err)
    if target is not None:
        Path(target).write_text(out.getvalue(), encoding="utf-8")
        return err.getvalue()
    return out.getvalue() + err.getvalue()


def _console(example: Example) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in example.parsed["source"].splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"{_where(example)}: output before any '$ ' command")
    for command, expected in commands:
        got = _run_cli(command)
        want = "\n".join(expected).strip() + "\n" if any(s.strip() for s in expected) else ""
        if want and not _CHECKER.check_output(want, got, _FLAGS):
            raise AssertionError(
                f"{_where(example)}: $ {command}\nexpected:\n{want}\ngot:\n{got}"
            )


def _schema(kind: str) -> jsonschema.Draft202012Validator:
    from gridcrm_rules.packs.json_schema import shipped

    return jsonschema.Draft202012Validator(json.loads(shipped(kind)))


def _check_yaml(data: Any, example: Example) -> None:
    import gridcrm_rules as gr

    if not isinstance(data, dict):
        return
    as_json = json.loads(json.dumps(data, default=str))
    if "expect" in data:
        errors = [e.message for e in _schema("scenario").iter_errors(as_json)]
        assert not errors, f"{_where(example)}: scenario schema: {errors}"
    elif "name" in data and ({"decisions", "params", "extends"} & set(data)):
        errors = [e.message for e in _schema("pack").iter_errors(as_json)]
        assert not errors, f"{_where(example)}: pack schema: {errors}"
        if data["name"] in gr.PackRegistry.discover().names():
            gr.read_pack(data, origin=_where(example))  # a built-in's shape: validate only
        else:  # compile it with the built-ins, as 'gridcrm-rules test --pack' would
            gr.Engine.from_packs([data], include_defaults=True)


def _yaml(example: Example) -> None:
    from gridcrm_rules.errors import PackError

    source = example.parsed["source"]
    data = yaml.safe_load(source)
    if re.search(r"\binvalid\b", example.parsed["args"]):
        try:
            _check_yaml(data, example)
        except (AssertionError, PackError):
            pass  # a block showing a broken pack must really be broken
        else:
            raise AssertionError(f"{_where(example)}: marked invalid, but it loads")
    else:
        _check_yaml(data, example)
    match = re.search(r"\bfile=(\S+)", example.parsed["args"])
    if match:
        path = Path(match.group(1))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


def _toml(example: Example) -> None:
    tomllib.loads(example.parsed["source"])


_EVALUATORS = {"python": _python, "console": _console, "yaml": _yaml, "toml": _toml}


def _blocks(document: Any) -> Any:
    for lexed in _LEXER(document):
        lang = lexed.lexemes["lang"]
        parsed = {
            "lang": lang,
            "args": lexed.lexemes["args"],
            "source": str(lexed.lexemes["source"]),
        }
        yield Region(lexed.start, lexed.end, parsed, _EVALUATORS[lang])


DOC_SYBIL = Sybil(parsers=[_blocks, SkipParser()], patterns=["*.md"])
