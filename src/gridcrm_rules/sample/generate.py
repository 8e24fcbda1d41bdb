"""Generate sample data; ``python -m gridcrm_rules.sample.generate --out DIR`` rewrites the
bundled files (``--out src/gridcrm_rules/sample/data`` in a checkout).

The generators live in private modules and are re-exported here and from
:mod:`gridcrm_rules.sample`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ._data import render_files
from ._population import EVENT_TYPES, generate_population, population_record
from ._sample import (
    AS_OF,
    N_CUSTOMERS,
    SEED,
    GeneratedSample,
    build_sample,
    events_by_customer,
    generate_sample,
    sample_profiles,
)

__all__ = [
    "EVENT_TYPES",
    "GeneratedSample",
    "build_sample",
    "events_by_customer",
    "generate_population",
    "generate_sample",
    "main",
    "population_record",
    "sample_profiles",
    "write_sample",
]


def write_sample(
    out: Path, n_customers: int = N_CUSTOMERS, *, seed: int = SEED, as_of: date = AS_OF
) -> list[Path]:
    """Write the sample files into ``out`` (created if missing); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_files(build_sample(n_customers, seed=seed, as_of=as_of)).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: write the sample files into ``--out``."""
    parser = argparse.ArgumentParser(
        prog="python -m gridcrm_rules.sample.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--n", type=int, default=N_CUSTOMERS, help="number of customers")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF, help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    for path in write_sample(args.out, args.n, seed=args.seed, as_of=args.as_of):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
