"""The decisions the byte-identity guard of issue 13 pins (tests/engine/test_decision_bytes.py).

Run as a script to (re)write the snapshot after a *deliberate* change of a decision::

    PYTHONPATH=src python tests/engine/decision_snapshot.py

Every case is a (pack selection, as_of) over the bundled sample, or the random
histories of the batch equivalence tests (tests/batch/batch_strategies.py, fixed seeds,
every ``AS_OFS`` instant, credit-edge and widened histories); the snapshot holds the
SHA-256 of each customer's ``Decision.model_dump_json()`` (of the validation error's
text for a history the generator made invalid on purpose).
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

import gridcrm_rules as gr
from gridcrm_rules._time import SHANGHAI
from gridcrm_rules.sample import load_sample

sys.path.insert(0, str(Path(__file__).parents[1] / "batch"))
from batch_strategies import AS_OFS, RandomPick, history, service_history

SNAPSHOT = Path(__file__).with_name("snapshots") / "sample_decisions.json"

CASES: dict[str, tuple[tuple[str, ...] | None, datetime | None]] = {
    "default@sample": (None, None),
    "credit@sample": (("credit",), None),
    "default@2026-03-01": (None, datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI)),
    "default@2025-12-31T23:59": (None, datetime(2025, 12, 31, 23, 59, tzinfo=SHANGHAI)),
}
"""Case name -> (packs, or None for Engine.default(); as_of, or None for the sample's)."""


RANDOM_SEED = 13
RANDOM_CUSTOMERS = 30
"""Customers per (generator, as_of) of the random cases."""


def _digest(engine: gr.Engine, customer: object, events: list[dict[str, object]],
            as_of: datetime) -> str:
    try:
        text = engine.evaluate(customer, events, as_of=as_of).model_dump_json()  # type: ignore[arg-type]
    except ValidationError as exc:
        # the error records without pydantic's URL, which names the pydantic release
        records = [(e["type"], e["loc"], e["msg"]) for e in exc.errors(include_url=False)]
        text = "invalid: " + json.dumps(records, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def random_digests(engine: gr.Engine) -> dict[str, dict[str, str]]:
    """The random cases: case -> customer id -> digest."""
    out: dict[str, dict[str, str]] = {}
    for make in (history, service_history):
        for n, as_of in enumerate(AS_OFS):
            pick = RandomPick(RANDOM_SEED + n)
            case = f"random-{make.__name__}@{as_of.isoformat()}"
            out[case] = {}
            for i in range(RANDOM_CUSTOMERS):
                customer, events = make(pick, as_of, f"R{i:05d}")
                out[case][f"R{i:05d}"] = _digest(engine, customer, events, as_of)
    return out


def digests() -> dict[str, dict[str, str]]:
    """Case -> customer id -> SHA-256 of the decision's JSON, computed now."""
    data = load_sample()
    out: dict[str, dict[str, str]] = random_digests(gr.Engine.default())
    for case, (packs, as_of) in CASES.items():
        engine = gr.Engine.default() if packs is None else gr.Engine.from_packs(packs)
        when = data.as_of if as_of is None else as_of
        out[case] = {
            str(c["id"]): _digest(engine, c, data.events_for(str(c["id"])), when)
            for c in data.customers
        }
    return out


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(digests(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
