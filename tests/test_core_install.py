"""The core install: nothing imports an optional dependency until a feature needs it.

Each check runs in a fresh interpreter whose import system refuses the optional
packages (polars, pyarrow, pyspark, pandas, tqdm, numpy), as on ``pip install
gridcrm-rules`` without extras.  Every module of the package must import there,
except the ones that truly need an extra, which must raise ``MissingExtra``
naming it; the CLI must run every command that needs no columnar engine.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gridcrm_rules import MissingExtra
from gridcrm_rules._extras import EXTRA_MODULES, missing_modules, require_extra

ROOT = Path(__file__).resolve().parents[1]
OPTIONAL = ("polars", "pyarrow", "pyspark", "pandas", "tqdm", "numpy", "durable", "altair")
NEEDS_EXTRA = {
    "gridcrm_rules.batch": "batch",
    "gridcrm_rules.spark": "spark",
    "gridcrm_rules.live.spark_streaming": "spark",
    "gridcrm_rules.live.durable": "durable",
    "gridcrm_rules.impact.comparison": "batch",
    "gridcrm_rules.impact.population_timeline": "batch",
    "gridcrm_rules.impact.report": "batch",
    "gridcrm_rules.impact.plots": "plot",
    "gridcrm_rules.areas.credit._settle": "batch",  # columnar twins (docs/architecture.md)
    "gridcrm_rules.areas.credit.columnar_facts": "batch",
    "gridcrm_rules.sample.frames": "batch",
}
"""Module prefixes that truly need an extra, and which."""

BLOCKER = textwrap.dedent(
    f"""
    import importlib.abc, sys

    class _NoOptional(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {OPTIONAL!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, _NoOptional())
    """
)


def _run_core(body: str) -> dict[str, Any]:
    """Run ``body`` (which sets ``out``) where the optional packages cannot be imported."""
    script = BLOCKER + textwrap.dedent(body) + "\nimport json\nprint(json.dumps(out))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _expected_extra(module: str) -> str | None:
    for prefix, extra in NEEDS_EXTRA.items():
        if module == prefix or module.startswith(prefix + "."):
            return extra
    return None


def test_every_module_imports_or_names_its_extra() -> None:
    """Without the extras each module imports, or raises MissingExtra for its own extra."""
    out = _run_core(
        """
        import importlib, pkgutil, sys
        import gridcrm_rules
        from gridcrm_rules import MissingExtra

        out = {"modules": {}, "loaded": []}
        names = [i.name for i in pkgutil.walk_packages(gridcrm_rules.__path__, "gridcrm_rules.")]
        for name in ["gridcrm_rules", *names]:
            try:
                importlib.import_module(name)
                out["modules"][name] = "ok"
            except MissingExtra as exc:
                out["modules"][name] = f"extra:{exc.extra}:{exc}"
            except BaseException as exc:
                out["modules"][name] = f"error:{type(exc).__name__}:{exc}"
        out["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r})
        """.replace("{blocked!r}", repr(OPTIONAL))
    )
    modules: dict[str, str] = out["modules"]
    assert len(modules) > 40, "the walk found too few modules"
    assert out["loaded"] == []
    for name, status in sorted(modules.items()):
        extra = _expected_extra(name)
        if extra is None:
            assert status == "ok", f"{name} needs no extra but: {status}"
        else:
            assert status.startswith(f"extra:{extra}:"), f"{name}: {status}"
            assert f'pip install "gridcrm-rules[{extra}]"' in status
            assert "\n" not in status


def test_the_cli_runs_its_core_commands_without_extras() -> None:
    """demo, test, verify, packs, schema and --version work; evaluate names the extra."""
    out = _run_core(
        """
        import contextlib, io
        from gridcrm_rules.cli import main

        def run(*argv):
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    code = main(list(argv))
                except SystemExit as exc:
                    code = exc.code
            return {"code": code, "out": stdout.getvalue(), "err": stderr.getvalue()}

        out = {
            "demo": run("demo"),
            "test": run("test", "tests/scenarios"),
            "verify": run("verify"),
            "packs": run("packs"),
            "schema": run("schema", "customer"),
            "version": run("--version"),
            "evaluate": run("evaluate", "--customers", "c.parquet", "--as-of", "2026-11-01",
                            "--out", "results"),
            "evaluate_help": run("evaluate", "--help"),
            "help": run("--help"),
        }
        """
    )
    assert out["demo"]["code"] == 0
    assert re.search(r"^60 customers graded \(A: \d+", out["demo"]["out"], re.MULTILINE)
    assert out["test"]["code"] == 0
    assert re.search(r"^\d+ passed, 0 failed$", out["test"]["out"], re.MULTILINE)
    assert out["verify"]["code"] in (0, 1)  # exit status of verify on stock packs: see verify
    assert "credit" in out["verify"]["out"]
    assert out["packs"]["code"] == 0
    assert "decision credit" in out["packs"]["out"]
    assert out["schema"]["code"] == 0
    assert json.loads(out["schema"]["out"])["title"] == "Customer"
    assert out["version"]["code"] == 0
    assert re.fullmatch(r"gridcrm-rules \S+ \(Python [\d.]+\S*\)\n", out["version"]["out"])
    assert "evaluate" in out["help"]["out"]
    evaluate = out["evaluate"]
    assert evaluate["code"] == 2
    assert evaluate["out"] == ""
    assert evaluate["err"].startswith(
        "error: gridcrm-rules evaluate needs the batch extra: "
        'pip install "gridcrm-rules[batch]"'
    )
    assert evaluate["err"].count("\n") == 1, "one line, no traceback"
    # --help is help (exit 0), as every other command's, and says what to install
    assert out["evaluate_help"]["code"] == 0
    assert out["evaluate_help"]["out"].startswith("usage: gridcrm-rules evaluate --customers")
    assert 'needs the batch extra, which is not installed: pip install "gridcrm-rules[batch]"' \
        in out["evaluate_help"]["out"]


def test_python_features_that_need_an_extra_raise_missing_extra() -> None:
    """Engine.evaluate works; evaluate_batch and generate_population name the batch extra."""
    out = _run_core(
        """
        from datetime import date

        import gridcrm_rules as gr
        from gridcrm_rules.sample import generate_population

        engine = gr.Engine.default()
        d = engine.evaluate({"id": "C1", "category": "residential", "supply_voltage_kv": "0.22"},
                            [], as_of="2026-11-22T09:00:00+08:00")
        out = {"grade": d.credit.grade}
        for key, call in (
            ("evaluate_batch", lambda: engine.evaluate_batch([], as_of="2026-11-22")),
            ("generate_population", lambda: generate_population(10, seed=1,
                                                            as_of=date(2026, 11, 22))),
        ):
            try:
                call()
                out[key] = "no error"
            except gr.MissingExtra as exc:
                out[key] = [str(exc), exc.extra, isinstance(exc, ImportError)]
        """
    )
    assert out["grade"] == "A"
    assert out["evaluate_batch"] == [
        'Engine.evaluate_batch needs the batch extra: pip install "gridcrm-rules[batch]" '
        "(not installed: polars, pyarrow, tqdm, numpy)", "batch", True]
    assert out["generate_population"][0].startswith("generate_population needs the batch extra")


def test_building_the_cli_loads_no_columnar_engine() -> None:
    """With the extras installed, only ``evaluate`` imports polars: the parser does not."""
    script = (
        "import sys\nimport gridcrm_rules\nfrom gridcrm_rules.cli import build_parser\n"
        "build_parser()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {OPTIONAL!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"


def test_extra_modules_match_the_extras_in_pyproject() -> None:
    """The modules require_extra checks are the distributions pyproject's extras install."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for extra, modules in EXTRA_MODULES.items():
        declared = {re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower()
                    for req in extras[extra]}
        declared = {"durable" if d == "durable-rules" else d for d in declared}
        assert declared == set(modules), extra


def test_require_extra_names_only_the_missing_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error lists exactly the modules that are absent, and is an ImportError."""
    import gridcrm_rules._extras as extras

    monkeypatch.setattr(extras, "_installed", lambda module: module != "tqdm")
    assert missing_modules("batch") == ("tqdm",)
    with pytest.raises(MissingExtra, match=r"^x needs the batch extra: pip install "
                       r'"gridcrm-rules\[batch\]" \(not installed: tqdm\)$') as info:
        require_extra("batch", "x")
    assert isinstance(info.value, ImportError)
    assert info.value.name == "tqdm"
    monkeypatch.setattr(extras, "_installed", lambda module: True)
    require_extra("spark", "y")  # everything there: no error
