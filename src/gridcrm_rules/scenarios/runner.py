"""Running scenario files against an engine and describing each difference.

Engines are built once per distinct (packs, params) combination within one
run; nothing is cached across runs or shared between callers.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..calendar import WorkingDayCalendar
from ..engine import DEFAULT_PACKS, Engine
from ..errors import GridcrmError, PackError, PackNotFound
from ..models import Decision
from .compare import field_of, same
from .model import Expectation, Scenario, load_scenario

__all__ = ["ScenarioResult", "ScenarioRunner", "find_scenarios", "run_scenarios"]


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """The outcome of one scenario: passed, or the differences found."""

    name: str
    path: Path | None
    diffs: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when nothing differed."""
        return not self.diffs

    def report(self) -> str:
        """A readable block for one failure."""
        where = f" ({self.path})" if self.path else ""
        return f"FAILED {self.name}{where}\n" + "\n".join(f"  - {d}" for d in self.diffs)


def find_scenarios(path: str | Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` scenario file under ``path`` (or ``path`` itself), sorted.

    A ``path`` that does not exist raises :class:`FileNotFoundError` (a mistyped
    folder would otherwise be an empty, vacuously passing run); an existing folder
    without scenario files gives ``[]``.
    """
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.exists():
        raise FileNotFoundError(errno.ENOENT, "no such scenario file or folder", str(path))
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))


def _show(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _check_fields(what: str, expected: dict[str, Any], obj: Any) -> list[str]:
    diffs = []
    for key, want in expected.items():
        found, got = field_of(obj, key)
        if not found:
            diffs.append(f"{what}.{key}: expected {_show(want)}, but there is no such field")
        elif isinstance(want, dict) and isinstance(got, dict):
            diffs += _check_fields(f"{what}.{key}", want, got)
        elif not same(want, got):
            diffs.append(f"{what}.{key}: expected {_show(want)}, got {_show(got)}")
    return diffs


def _check_entitlements(exp: Expectation, d: Decision) -> list[str]:
    diffs: list[str] = []
    by_code = {e.code: e for e in d.entitlements}
    for code, want in (exp.entitlements or {}).items():
        ent = by_code.get(code)
        if ent is None:
            have = ", ".join(sorted(by_code)) or "none"
            diffs.append(f"entitlements.{code}: expected {_show(want)}, not granted (have: {have})")
            continue
        fields = want if isinstance(want, dict) else {"level": want}
        diffs += _check_fields(f"entitlements.{code}", fields, ent)
    if exp.entitlements_exact:
        extra = sorted(set(by_code) - set(exp.entitlements or {}))
        if extra:
            diffs.append(f"entitlements: unexpected codes {', '.join(extra)}")
    return diffs


def _check_tasks(exp: Expectation, d: Decision) -> list[str]:
    diffs: list[str] = []
    unused = list(d.tasks)
    for i, want in enumerate(exp.tasks or []):
        match = next((t for t in unused if not _check_fields("", want, t)), None)
        if match is None:
            produced = (
                "; ".join(f"{t.clause} due {t.due.isoformat() if t.due else None} {t.status}"
                          for t in d.tasks)
                or "none"
            )
            diffs.append(f"tasks[{i}]: no task matches {_show(want)} (produced: {produced})")
        else:
            unused.remove(match)
    if exp.tasks_exact and unused:
        diffs.append(f"tasks: {len(unused)} unexpected: " + ", ".join(t.clause for t in unused))
    return diffs


def _check_errors(exp: Expectation, d: Decision) -> list[str]:
    """Every part error must be expected (``expect.errors``), and every expected one found."""
    diffs: list[str] = []
    unused = list(d.errors)
    for i, want in enumerate(exp.errors or []):
        match = next((e for e in unused if not _check_fields("", want, e)), None)
        if match is None:
            produced = "; ".join(f"{e.type} at {'.'.join(e.loc)}" for e in d.errors) or "none"
            diffs.append(f"errors[{i}]: no part error matches {_show(want)} (produced: "
                         f"{produced})")
        else:
            unused.remove(match)
    for e in unused:
        diffs.append(f"errors: unexpected part error {e.type} at {'.'.join(e.loc)}: {e.msg}")
    return diffs


def check_decision(exp: Expectation, d: Decision) -> list[str]:
    """Every way ``d`` differs from ``exp``."""
    diffs: list[str] = []
    if exp.error is not None:
        diffs.append(f"expected an error containing {exp.error!r}, but the evaluation succeeded")
    if exp.credit is not None:
        if d.credit is None:
            diffs.append("credit: expected a credit result, but no credit decision ran")
        else:
            diffs += _check_fields("credit", exp.credit, d.credit)
    diffs += _check_entitlements(exp, d)
    diffs += _check_tasks(exp, d)
    diffs += _check_errors(exp, d)
    if exp.key_account is not None:
        if d.key_account is None:
            diffs.append("key_account: expected a profile, but no key_account decision ran")
        else:
            diffs += _check_fields("key_account", exp.key_account, d.key_account)
    for name, values in (exp.outcomes or {}).items():
        outcome = d.outcomes.get(name)
        if outcome is None:
            diffs.append(f"outcomes.{name}: no such decision ran")
        else:
            diffs += _check_fields(f"outcomes.{name}", values, outcome)
    return diffs


@dataclass
class ScenarioRunner:
    """Runs scenarios on ``packs`` added to the built-in set, unless a scenario names its own.

    ``packs`` are added to the default packs (each replacing the default it
    provides or extends), as ``gridcrm-rules test --pack`` does; with
    ``include_defaults=False`` exactly ``packs`` run (``--only``).  A scenario's
    own ``packs:`` always means exactly those packs.
    """

    packs: Sequence[str | Path] | None = None
    include_defaults: bool = True
    calendar: WorkingDayCalendar | None = None
    _engines: dict[str, Engine] = field(default_factory=dict, repr=False)

    def engine_for(self, scenario: Scenario) -> Engine:
        """The engine a scenario runs on (built once per distinct packs and params)."""
        base = scenario.path.parent if scenario.path else Path()
        if scenario.packs is not None:
            own: list[str | Path] = [
                str(base / p) if Path(p).suffix else p for p in scenario.packs
            ]
            return self._engine(own, scenario.pack_params, include_defaults=False)
        return self.engine_for_packs(self.packs or DEFAULT_PACKS, scenario.pack_params)

    def engine_for_packs(
        self, packs: Sequence[str | Path], params: Mapping[str, Any]
    ) -> Engine:
        """The engine for the runner's own packs (``packs`` plus the defaults if included)."""
        return self._engine(list(packs), params, include_defaults=self.include_defaults)

    def _engine(
        self, packs: list[str | Path], params: Mapping[str, Any], *, include_defaults: bool
    ) -> Engine:
        key = _show([[str(p) for p in packs], dict(params), include_defaults])
        if key not in self._engines:
            self._engines[key] = Engine.from_packs(
                [str(p) for p in packs], params=params, include_defaults=include_defaults,
                calendar=self.calendar,
            )
        return self._engines[key]

    def run(self, scenario: Scenario) -> ScenarioResult:
        """Evaluate one scenario and compare."""
        exp = scenario.expect
        try:
            engine = self.engine_for(scenario)
            d = engine.evaluate(scenario.customer, scenario.events, as_of=scenario.as_of)
        except (ValidationError, GridcrmError, ValueError) as exc:
            message = str(exc)
            if isinstance(exc, PackError | PackNotFound) and exp.error is None:
                return ScenarioResult(scenario.name, scenario.path, (f"pack error: {message}",))
            if exp.error is not None and exp.error.lower() in message.lower():
                return ScenarioResult(scenario.name, scenario.path)
            if exp.error is not None:
                diff = f"expected an error containing {exp.error!r}, got: {message}"
            else:
                diff = f"unexpected error: {type(exc).__name__}: {message}"
            return ScenarioResult(scenario.name, scenario.path, (diff,))
        return ScenarioResult(scenario.name, scenario.path, tuple(check_decision(exp, d)))

    def run_path(self, path: str | Path) -> list[ScenarioResult]:
        """Run every scenario file under ``path``; an unreadable file is a failure."""
        results = []
        for file in find_scenarios(path):
            try:
                scenario = load_scenario(file)
            except PackError as exc:
                results.append(ScenarioResult(file.stem, file, (str(exc),)))
                continue
            results.append(self.run(scenario))
        return results


def run_scenarios(
    path: str | Path,
    *,
    packs: Iterable[str | Path] | None = None,
    include_defaults: bool = True,
) -> list[ScenarioResult]:
    """Run the scenarios under ``path`` with ``packs`` added to the built-in packs.

    ``include_defaults=False`` runs exactly ``packs`` (see :class:`ScenarioRunner`).
    """
    runner = ScenarioRunner(
        packs=list(packs) if packs is not None else None, include_defaults=include_defaults
    )
    return runner.run_path(path)
