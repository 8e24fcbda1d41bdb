"""``gridcrm-rules evaluate``: decide a customers table and write three tables.

Wired into the main command by :func:`add_evaluate_command`; :func:`run_evaluate`
does the work.  Output: ``OUT/decisions``, ``OUT/tasks`` and ``OUT/errors`` as
``.parquet`` (default), ``.csv`` or ``.jsonl`` (``--out-format``), a progress bar
on stderr when it is a terminal, and one summary line on stdout (a JSON line with
``--format json``).

Exit status: 0 when every row was decided (or at most ``--max-errors`` error
records), 1 when the errors table has more rows than that (the tables are still
written), 2 for a user error (missing file, bad encoding, bad pack).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._text import counted
from ..console import (
    add_calendar_options,
    add_encoding_option,
    add_format_option,
    add_param_option,
    as_of_option,
    emit,
    params_from,
    with_calendar,
)
from .out_formats import OUT_FORMATS

__all__ = ["add_evaluate_command", "run_evaluate"]


def add_evaluate_command(subparsers: Any) -> None:
    """Add the ``evaluate`` sub-command to an argparse sub-parsers object."""
    p = subparsers.add_parser(
        "evaluate",
        help="decide a customers table (batch)",
        description="Decide every customer of a table (Parquet or CSV) at AS_OF and write "
        "decisions, tasks and errors as Parquet files. Needs the 'batch' extra.",
    )
    p.add_argument("--customers", required=True, help="customers table (.parquet, .csv, dir)")
    p.add_argument("--events", help="events table with customer_id (.parquet, .csv, dir)")
    p.add_argument("--as-of", required=True, help="evaluation date or ISO datetime")
    p.add_argument("--out", required=True, help="directory for the three Parquet files")
    from ..engine.selection import add_pack_options

    add_pack_options(p)
    add_param_option(p)
    p.add_argument("--chunk-size", type=int, default=None, help="customers per chunk")
    p.add_argument("--ignore-extra-columns", action="store_true",
                   help="drop input columns that are not model fields")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (there is none anyway when stderr is not a terminal)")
    p.add_argument("--out-format", choices=OUT_FORMATS, default="parquet",
                   help="parquet (default), csv (nested columns as JSON text) or jsonl")
    add_encoding_option(p)
    p.add_argument("--max-errors", type=_count, default=0, metavar="N",
                   help="exit 0 with up to N rows in the errors table (default 0: any refused "
                   "row or failed part exits 1)")
    add_format_option(p, "the summary")
    add_calendar_options(p)
    p.set_defaults(func=run_evaluate)


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return n


def _table(path: str | None, encoding: str) -> Any:
    """A CSV path read in ``encoding``; any other input as given."""
    if path is None or not path.lower().endswith(".csv"):
        return path
    from .csv_input import scan_csv

    return scan_csv(path, encoding=encoding)


def _malformed_csv(exc: Exception, *inputs: tuple[str | None, Any]) -> Exception:
    """The error naming the CSV input polars could not parse (ragged rows, bad quoting),
    or ``exc`` itself when no CSV input is at fault."""
    from polars.exceptions import ComputeError

    from ..errors import BatchInputError

    for path, table in inputs:
        if path is None or not path.lower().endswith(".csv"):
            continue
        try:
            table.collect()
        except ComputeError as bad:
            reason = str(bad).splitlines()[0]
            return BatchInputError(f"{path}: not a well-formed CSV table: {reason}")
    return exc


def run_evaluate(args: argparse.Namespace) -> int:
    """Run ``evaluate``; print ``N rows, grades ..., N errors, S s``; see the exit statuses."""
    from polars.exceptions import ComputeError

    from ..engine import PackSelection
    from .evaluate import DEFAULT_CHUNK, evaluate_to_files


    params = params_from(args)
    engine = with_calendar(PackSelection.from_args(args).engine(params), args)
    customers, events = _table(args.customers, args.encoding), _table(args.events, args.encoding)
    try:
        summary = evaluate_to_files(
            engine,
            customers,
            events,
            args.out,
            as_of=as_of_option(args.as_of),
            out_format=args.out_format,
            chunk_size=args.chunk_size or DEFAULT_CHUNK,
            extra="ignore" if args.ignore_extra_columns else "forbid",
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    except ComputeError as exc:  # a CSV parsed lazily fails when it is first read
        raise _malformed_csv(exc, (args.customers, customers), (args.events, events)) from None
    rows = summary["rows"]
    status = 0 if rows["errors"] <= args.max_errors else 1
    if args.format == "json":
        emit("summary", {"decisions": rows["decisions"], "tasks": rows["tasks"],
                         "errors": rows["errors"], "max_errors": args.max_errors,
                         "grades": {g or "none": n for g, n in summary["grades"].items()},
                         "seconds": round(summary["seconds"], 3), "out": args.out,
                         "out_format": args.out_format, "notes": summary["notes"],
                         "status": status})
        return status
    grades = ", ".join(f"{g or 'none'}={n}" for g, n in summary["grades"].items()) or "-"
    print(f"{counted(rows['decisions'], 'row')}, grades {grades}, "
          f"{counted(rows['errors'], 'error')}, {counted(rows['tasks'], 'task')}, "
          f"{summary['seconds']:.1f} s -> {args.out}")
    for note in summary["notes"]:
        print(f"note: {note}", file=sys.stderr)
    if status:
        print(f"error: {rows['errors']} error record(s) (allowed: {args.max_errors}); see "
              f"{args.out}/errors.{args.out_format}", file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit("python -m gridcrm_rules.batch.cli is gone: run gridcrm-rules evaluate "
             "(or python -m gridcrm_rules evaluate)")
