"""The ``gridcrm-rules`` command: demo, scenario tests, packs, schemas, batch evaluation."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._extras import require_extra
from ._text import counted, shorten
from .console import (
    add_calendar_options,
    add_format_option,
    add_param_option,
    calendar_from,
    emit,
    params_from,
    run_guarded,
    with_calendar,
)
from .engine import Engine, PackSelection, add_pack_options
from .errors import MissingExtra

if TYPE_CHECKING:
    from .packs.schema import ParamSpec

__all__ = ["main"]


def _version() -> str:
    from . import __version__

    return f"{__version__} (Python {sys.version.split()[0]})"


def _engine(args: argparse.Namespace) -> Engine:
    return with_calendar(PackSelection.from_args(args).engine(), args)


def cmd_demo(args: argparse.Namespace) -> int:
    """Grade the bundled sample and print one line per customer (or one JSON line)."""
    from .sample import load_sample

    sample = load_sample()
    engine = _engine(args)
    if engine.program.filling("credit") is None:
        packs = ", ".join(p.name for p in engine.packs)
        raise ValueError(f"demo prints credit grades, and the packs loaded ({packs}) decide "
                         "none: add a pack that fills credit (the built-in 'credit')")
    as_json = args.format == "json"
    header = (
        f"{'customer':<8} {'category':<22} {'grade':<5} {'rules':<8} {'prov':<5} "
        f"{'arrears':>12} {'>1m':<4} {'>2m':<4} {'late/yr':<7} {'theft3y':<7} profile"
    )
    if not as_json:
        print(f"gridcrm-rules demo: {len(sample.customers)} customers as of "
              f"{sample.as_of.isoformat()}")
        print(header)
        print("-" * len(header))
    counts: dict[str, int] = {}
    for customer in sample.customers:
        d = engine.evaluate(customer, sample.events_for(customer["id"]), as_of=sample.as_of)
        c = d.credit  # None when the credit decision could not be made (d.errors says why)
        grade = (c.grade if c is not None else None) or "-"
        counts[grade] = counts.get(grade, 0) + 1
        profile = sample.profiles.get(d.customer_id, "")
        if as_json:
            emit("customer", {"customer_id": d.customer_id, "category": customer["category"],
                              "grade": c.grade if c is not None else None,
                              "rule_ids": c.rule_ids if c is not None else (),
                              "provisional": c.provisional if c is not None else None,
                              "facts": c.facts if c is not None else {}, "profile": profile,
                              "errors": [e.msg for e in d.errors]})
            continue
        if c is None:
            reason = "; ".join(e.msg for e in d.errors) or "not decided"
            print(f"{d.customer_id:<8} {customer['category']:<22} {grade:<5} ({reason})")
            continue
        f = c.facts
        print(
            f"{d.customer_id:<8} {customer['category']:<22} {grade:<5} {','.join(c.rule_ids):<8} "
            f"{'yes' if c.provisional else 'no':<5} {f['arrears_amount']:>12,.2f} "
            f"{_yn(f['arrears_over_1m']):<4} {_yn(f['arrears_over_2m']):<4} "
            f"{_yn(f['had_arrears_in_year']):<7} {_yn(f['theft_or_violation_3y']):<7} "
            f"{profile}"
        )
    if as_json:
        emit("summary", {"customers": len(sample.customers), "as_of": sample.as_of,
                         "grades": dict(sorted(counts.items()))})
        return 0
    summary = ", ".join(f"{g}: {n}" for g, n in sorted(counts.items()))
    print(f"\n{len(sample.customers)} customers graded ({summary}).")
    if args.explain:
        first = sample.customers[0]
        print()
        print(engine.evaluate(first, sample.events_for(first["id"]), as_of=sample.as_of).explain())
    return 0


def _yn(value: object) -> str:
    return "yes" if value else "no"


def cmd_test(args: argparse.Namespace) -> int:
    """Run scenario files and print 'N passed, N failed'."""
    from .scenarios import ScenarioRunner, find_scenarios

    selection = PackSelection.from_args(args)
    runner = ScenarioRunner(
        packs=list(selection.packs) or None,
        include_defaults=selection.include_defaults,
        calendar=calendar_from(args),
    )
    selection.check_files()
    runner.engine_for_packs(selection.pack_list, {})  # a bad --pack is one error, exit 2
    paths = list(args.paths)
    if args.builtin:
        from .scenarios import builtin_scenarios

        paths.append(str(builtin_scenarios()))
    if not paths:
        raise ValueError("test: give scenario files or folders, or --builtin for the "
                         "library's own scenarios")
    files = []
    for path in paths:  # every path checked before any scenario runs
        found = find_scenarios(path)  # a missing path: FileNotFoundError, exit 2
        if not found:
            raise ValueError(f"{path}: no scenario files found (searched *.yaml, *.yml under it)")
        files += found
    results = []
    for file in files:
        results += runner.run_path(file)
    failed = [r for r in results if not r.passed]
    if args.format == "json":
        for r in results:
            emit("scenario", {"name": r.name, "path": str(r.path) if r.path else None,
                              "passed": r.passed, "diffs": r.diffs})
        emit("summary", {"passed": len(results) - len(failed), "failed": len(failed)})
        return 1 if failed else 0
    for r in failed:
        print(r.report(), end="\n\n")
    if args.verbose:
        for r in results:
            print(f"{'ok  ' if r.passed else 'FAIL'} {r.name}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_packs(args: argparse.Namespace) -> int:
    """List registered packs with their decisions and parameters."""
    from .errors import PackError
    from .packs import PackRegistry

    registry = PackRegistry.discover()
    for name in registry.names():
        try:
            _, pack = registry.resolve(name)
        except PackError as exc:  # a faulty plugin is reported and skipped
            print(f"warning: pack {name} skipped: {exc}", file=sys.stderr)
            continue
        if args.format == "json":
            emit("pack", {
                "name": pack.name, "version": pack.version, "lineage": pack.lineage,
                "description": pack.description.strip(),
                "decisions": [{"name": dname, "hit_policy": d.hit_policy, "over": d.over,
                               "rules": len(d.rules)} for dname, d in pack.decisions.items()],
                "params": {pname: p.default for pname, p in pack.params.items()},
            })
            continue
        extends = f" (extends {pack.lineage[1]})" if len(pack.lineage) > 1 else ""
        print(f"{pack.name} {pack.version}{extends}: {shorten(pack.description, 70)}")
        for dname, d in pack.decisions.items():
            print(f"  decision {dname} [{d.hit_policy}, over {d.over}]: "
                  f"{counted(len(d.rules), 'rule')}")
        for pname, p in pack.params.items():
            allowed = _allowed(p)
            print(f"  param {pname} = {p.default!r}" + (f" ({allowed})" if allowed else ""))
    return 0


def _allowed(spec: ParamSpec) -> str:
    """A parameter's declared constraints in a few words: ``whole, 1 to 12``."""
    parts = ["whole"] if spec.whole else []
    if spec.minimum is not None and spec.maximum is not None:
        parts.append(f"{spec.minimum} to {spec.maximum}")
    elif spec.minimum is not None:
        parts.append(f">= {spec.minimum}")
    elif spec.maximum is not None:
        parts.append(f"<= {spec.maximum}")
    if spec.below is not None:
        parts.append(f"< {spec.below}")
    if spec.choices is not None:
        parts.append("one of " + ", ".join(map(str, spec.choices)))
    return ", ".join(parts)


def cmd_schema(args: argparse.Namespace) -> int:
    """Print a JSON Schema: input models (customer, event) or the pack and scenario files."""
    from pydantic import TypeAdapter

    from .models import Customer, Event
    from .packs.json_schema import json_schema, render, shipped

    if args.which in ("pack", "scenario"):
        # The shipped file by default: the same text whatever pydantic version is
        # installed (pydantic's rendering of some types changes between releases).
        print(render(json_schema(args.which)) if args.generate else shipped(args.which), end="")
        return 0
    schemas = {
        "customer": Customer.model_json_schema(),
        "event": TypeAdapter(Event).json_schema(),
    }
    print(json.dumps(schemas[args.which], indent=2, ensure_ascii=False))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Report gaps and overlaps of every customer-level decision; exit 1 on a gap."""
    from .verify import verify_engine

    engine = PackSelection.from_args(args).engine(params_from(args))
    reports = verify_engine(engine)
    for report in reports:
        if args.format == "json":
            emit("decision_table", report.as_record())
        else:
            print(report.render())
    return 0 if all(r.ok or not r.complete for r in reports) else 1


def _add_evaluate_command(sub: Any) -> None:
    """Add ``evaluate``: the batch command, or a stand-in naming the missing extra.

    Importing :mod:`gridcrm_rules.batch.cli` loads no columnar engine; on the core
    install (no ``batch`` extra) the package refuses to import, and ``evaluate``
    becomes a command that takes any arguments and fails with one line naming the
    extra (exit 2).
    """
    try:
        from .batch.cli import add_evaluate_command
    except MissingExtra as missing:
        stand_in = sub.add_parser(
            "evaluate", add_help=False, prefix_chars="\0",
            help=f"decide a customers table (batch; needs: {missing.install})",
        )
        stand_in.add_argument("arguments", nargs="*")
        stand_in.set_defaults(func=_needs_batch, install=missing.install)
    else:
        add_evaluate_command(sub)


def _needs_batch(args: argparse.Namespace) -> int:
    if {"-h", "--help"} & set(args.arguments):  # the help says what to install
        print("usage: gridcrm-rules evaluate --customers F [--events F] --as-of DATE "
              "--out DIR [options]\n\nDecide every customer of a table (Parquet or CSV) and "
              "write decisions, tasks and errors (docs/cli.md).\n\nThis command needs the "
              f"batch extra, which is not installed: {args.install}")
        return 0
    require_extra("batch", "gridcrm-rules evaluate")
    raise AssertionError("unreachable: the batch extra was missing when the parser was built")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(prog="gridcrm-rules", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="grade the bundled sample data set")
    add_pack_options(demo)
    demo.add_argument("--explain", action="store_true", help="also explain the first customer")
    add_format_option(demo, "a customer per line, then a summary")
    add_calendar_options(demo)
    demo.set_defaults(func=cmd_demo)

    test = sub.add_parser("test", help="run scenario files")
    test.add_argument("paths", nargs="*", help="scenario files or folders")
    test.add_argument("--builtin", action="store_true",
                      help="also run the library's own scenarios (shipped with it)")
    add_pack_options(test)
    test.add_argument("-v", "--verbose", action="store_true", help="list every scenario")
    add_format_option(test, "a scenario per line, then a summary")
    add_calendar_options(test)
    test.set_defaults(func=cmd_test)

    packs = sub.add_parser("packs", help="list registered packs")
    add_format_option(packs, "a pack per line")
    packs.set_defaults(func=cmd_packs)

    verify = sub.add_parser("verify", help="find gaps and overlaps in decision tables")
    add_pack_options(verify)
    add_param_option(verify, "pack parameter NAME=VALUE (repeatable)")
    add_format_option(verify, "a decision table per line")
    verify.set_defaults(func=cmd_verify)

    _add_evaluate_command(sub)

    from .impact.cli import add_diff_command

    add_diff_command(sub)

    schema = sub.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=["customer", "event", "pack", "scenario"])
    schema.add_argument("--generate", action="store_true",
                        help="pack/scenario: generate from the models instead of printing the "
                        "shipped file (for library developers regenerating it)")
    schema.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridcrm-rules`` command."""
    args = build_parser().parse_args(argv)
    # User errors (a missing file, a bad encoding, an invalid pack) and a closed pipe end
    # in one line and a documented status (console/guard.py), never a traceback.
    return run_guarded(lambda: int(args.func(args)))


if __name__ == "__main__":  # pragma: no cover  # python -m gridcrm_rules.cli, as before
    sys.exit(main())
