"""The package's layering (docs/architecture.md), checked on the source with ``ast``.

Each test reads the import statements and class definitions of src/gridcrm_rules
and fails naming the module that breaks a rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gridcrm_rules

PACKAGE = Path(gridcrm_rules.__file__).resolve().parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (relative imports resolved), at any depth."""
    here = _name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(stem)
            found |= {f"{stem}.{a.name}" for a in node.names}
    return found


def _modules_under(prefix: str) -> list[Path]:
    return [p for p in MODULES if _name(p) == prefix or _name(p).startswith(prefix + ".")]


def _hits(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{_name(p)} imports {i}"
        for p in _modules_under(prefix)
        for i in _imports(p)
        if any(i == f or i.startswith(f + ".") for f in forbidden)
    )


def test_every_exception_is_defined_in_errors() -> None:
    """No module but gridcrm_rules.errors defines an exception class."""
    names = {"Exception", "ValueError", "LookupError", "GridcrmError", "PackError",
             "PackNotFound", "TypeError", "KeyError", "RuntimeError"}
    offenders = []
    for path in MODULES:
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                records = "BaseModel" in bases  # an error *record* (PartError) is data
                if bases & names or (node.name.endswith("Error") and not records):
                    offenders.append(f"{_name(path)}.{node.name}")
    assert offenders == []


def test_facts_never_import_an_area() -> None:
    """The facts package (the registry) sits below the areas; builtin sits above them."""
    assert _hits("gridcrm_rules.facts", ("gridcrm_rules.areas",)) == []


@pytest.mark.parametrize(
    "forbidden",
    [
        ("gridcrm_rules.sample",),
        ("gridcrm_rules.engine.build", "gridcrm_rules.engine.engine", "gridcrm_rules.engine.names",
         "gridcrm_rules.engine.kernel", "gridcrm_rules.engine.step", "gridcrm_rules.engine.tasks"),
        ("gridcrm_rules.expr.parse",),
    ],
    ids=["demo-sample", "engine-internals", "re-parsing"],
)
def test_batch_reads_only_public_interfaces(forbidden: tuple[str, ...]) -> None:
    """batch imports neither the demo data, nor the engine's modules, nor the parser."""
    assert _hits("gridcrm_rules.batch", forbidden) == []


def test_the_import_checker_sees_relative_imports() -> None:
    """The checker resolves ``from ..x import y`` (else the tests above prove nothing)."""
    engine = PACKAGE / "engine" / "engine.py"
    assert "gridcrm_rules.builtin.default_facts" in _imports(engine)
    assert _hits("gridcrm_rules.engine", ("gridcrm_rules.builtin",))


def _reads_fills(node: ast.Compare) -> bool:
    """A comparison with ``<spec>.fills`` (the declared part, e.g. ``"credit"``)."""
    return any(isinstance(n, ast.Attribute) and n.attr in ("fills", "reported_in")
               for n in (node.left, *node.comparators))


def test_no_module_compares_decision_names() -> None:
    """No comparison in the package names a built-in decision: packs declare ``fills``."""
    names = {d.name for d in gridcrm_rules.Engine.default().program.decisions}
    offenders = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and not _reads_fills(node):
                consts = [c.value for c in (node.left, *node.comparators)
                          if isinstance(c, ast.Constant)]
                offenders += [f"{_name(path)}:{node.lineno} {c!r}" for c in consts if c in names]
    assert offenders == []


@pytest.mark.parametrize("package", ["gridcrm_rules.engine", "gridcrm_rules.batch",
                                     "gridcrm_rules.packs", "gridcrm_rules.spark"])
def test_engine_and_backends_import_no_area_by_name(package: str) -> None:
    """Areas are reached through builtin.BUILTIN_PROVIDERS and BUILTIN_PACKS only."""
    assert _hits(package, ("gridcrm_rules.areas",)) == []
