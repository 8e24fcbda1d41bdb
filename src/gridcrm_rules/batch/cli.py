"""``gridcrm-rules evaluate``: decide a customers table and write three Parquet files.

Wired into the main command by :func:`add_evaluate_command`; :func:`run_evaluate`
does the work.  Output: ``OUT/decisions.parquet``, ``OUT/tasks.parquet`` and
``OUT/errors.parquet``, a progress bar on stderr and one summary line on stdout.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_evaluate_command", "main", "run_evaluate"]


def _param(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


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
    p.add_argument("--param", action="append", type=_param, default=[],
                   help="pack parameter NAME=VALUE (repeatable)")
    p.add_argument("--chunk-size", type=int, default=None, help="customers per chunk")
    p.add_argument("--ignore-extra-columns", action="store_true",
                   help="drop input columns that are not model fields")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_evaluate)


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        from decimal import Decimal

        number = Decimal(text)
    except ArithmeticError:
        return text
    return int(number) if number == number.to_integral_value() and "." not in text else number


def run_evaluate(args: argparse.Namespace) -> int:
    """Run ``evaluate``; print ``N rows, grades ..., N errors, S s``; 0 on success."""
    try:
        from ..engine import PackSelection
        from .evaluate import DEFAULT_CHUNK, evaluate_to_parquet
    except ImportError as exc:  # pragma: no cover - without the batch extra
        print(f"gridcrm-rules evaluate needs the batch extra: pip install "
              f"'gridcrm-rules[batch]' ({exc})", file=sys.stderr)
        return 2
    params = {name: _value(value) for name, value in args.param}
    engine = PackSelection.from_args(args).engine(params)
    summary = evaluate_to_parquet(
        engine,
        args.customers,
        args.events,
        args.out,
        as_of=args.as_of,
        chunk_size=args.chunk_size or DEFAULT_CHUNK,
        extra="ignore" if args.ignore_extra_columns else "forbid",
        progress=not args.no_progress,
    )
    rows = summary["rows"]
    grades = ", ".join(f"{g or 'none'}={n}" for g, n in summary["grades"].items()) or "-"
    print(f"{rows['decisions']} rows, grades {grades}, {rows['errors']} errors, "
          f"{rows['tasks']} tasks, {summary['seconds']:.1f} s -> {args.out}")
    for note in summary["notes"]:
        print(f"note: {note}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m gridcrm_rules.batch.cli``)."""
    parser = argparse.ArgumentParser(prog="gridcrm-rules")
    sub = parser.add_subparsers(required=True)
    add_evaluate_command(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
