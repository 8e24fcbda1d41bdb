"""``gridcrm-rules diff``: what a pack or a parameter change does to a customers table.

Wired into the main command by :func:`add_diff_command`; :func:`run_diff` does the
work (and imports the batch engine only then, so the command line starts without
the ``batch`` extra).

Which two engines are compared:

* ``--pack A --pack B``: ``A`` (before) against ``B`` (after), each loaded as
  ``Engine.from_packs([FILE])`` (with the packs it requires);
* ``--pack P``: the default packs (before) against the default packs with ``P``
  in place of the built-in pack it provides or extends (after);
* no ``--pack``: the default packs (before) against them with the parameters;
* ``--param NAME=VALUE`` (repeatable) always changes the *after* engine, so
  ``--pack P --param year_window=calendar_year`` compares ``P`` with ``P`` so changed
  -- unless two packs are given, when it changes ``B``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..console import (
    add_calendar_options,
    add_encoding_option,
    add_param_option,
    as_of_option,
    calendar_from,
    params_from,
)

__all__ = ["add_diff_command", "engines_to_compare", "run_diff"]


def add_diff_command(subparsers: Any) -> None:
    """Add the ``diff`` sub-command to an argparse sub-parsers object."""
    p = subparsers.add_parser(
        "diff",
        help="compare two packs, or a parameter change, over a customers table",
        description="Decide a customers table with two engines and print the grade "
        "transition matrix and a summary; --out writes every table as Parquet. "
        "Needs the 'batch' extra.",
    )
    p.add_argument("--customers", required=True, help="customers table (.parquet, .csv, dir)")
    p.add_argument("--events", help="events table with customer_id (.parquet, .csv, dir)")
    p.add_argument("--as-of", required=True, help="evaluation date or ISO datetime")
    p.add_argument("--pack", action="append", default=[],
                   help="pack file or name: once (against the defaults) or twice (A, B)")
    add_param_option(p, "NAME=VALUE parameter of the 'after' engine (repeatable)")
    p.add_argument("--out", help="directory for the result tables (Parquet)")
    p.add_argument("--show", type=int, default=10, help="changed customers to list (default 10)")
    p.add_argument("--chunk-size", type=int, default=None, help="customers per chunk")
    p.add_argument("--ignore-extra-columns", action="store_true",
                   help="drop input columns that are not model fields")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is none anyway when stderr is not a terminal)")
    add_encoding_option(p)
    add_calendar_options(p)
    p.set_defaults(func=run_diff)


def engines_to_compare(packs: list[str], params: dict[str, Any]) -> tuple[Any, Any]:
    """(before, after) engines for the ``diff`` options (see the module docstring)."""
    from ..engine import Engine

    if len(packs) > 2:
        raise ValueError(f"diff compares two engines: give --pack at most twice, got "
                         f"{len(packs)}")
    if not packs and not params:
        raise ValueError("nothing to compare: give --pack (once or twice) or --param")
    if len(packs) == 2:
        before, after = Engine.from_packs([packs[0]]), Engine.from_packs([packs[1]])
    elif len(packs) == 1 and not params:
        before, after = Engine.default(), Engine.from_packs(packs, include_defaults=True)
    else:
        before = Engine.from_packs(packs) if packs else Engine.default()
        after = before
    return before, (after.with_params(**params) if params else after)


def run_diff(args: argparse.Namespace) -> int:
    """Run ``diff``: print the summary, the matrix and the first changed customers."""
    from .._extras import require_extra

    require_extra("batch", "gridcrm-rules diff")  # one `error:` line, status 2 (console)
    from polars.exceptions import ComputeError

    from ..batch.cli import _malformed_csv, _table
    from ..batch.evaluate import DEFAULT_CHUNK
    from .comparison import compare

    before, after = engines_to_compare(list(args.pack), params_from(args))
    calendar = calendar_from(args)  # the schedule files read once, for both engines
    if calendar is not None:
        before, after = before.with_calendar(calendar), after.with_calendar(calendar)
    customers, events = _table(args.customers, args.encoding), _table(args.events, args.encoding)
    try:
        result = compare(before, after, customers, events, as_of=as_of_option(args.as_of),
                         chunk_size=args.chunk_size or DEFAULT_CHUNK,
                         extra="ignore" if args.ignore_extra_columns else "forbid",
                         progress=not args.no_progress and sys.stderr.isatty())
    except ComputeError as exc:  # a CSV parsed lazily fails when it is first read
        raise _malformed_csv(exc, (args.customers, customers), (args.events, events)) from None
    print(result.summary())
    print()
    print(result.render_matrix())
    shown = result.changed.head(args.show)
    if shown.height:
        print(f"\nchanged customers (first {shown.height} of {result.changed.height}):")
    for r in shown.iter_rows(named=True):
        rules = (f" {','.join(r.get('rule_ids_before') or [])} -> "
                 f"{','.join(r.get('rule_ids_after') or [])}" if "rule_ids_before" in r else "")
        facts = "; ".join(f"{f['fact']}: {f['before']} -> {f['after']}" for f in r["facts"])
        print(f"  {r['customer_id']}: {r['grade_before']} -> {r['grade_after']}{rules}"
              f" [{', '.join(r['changes'])}]{' ' + facts if facts else ''}")
    if args.out:
        result.write(args.out)
        print(f"\ntables written to {args.out}")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
