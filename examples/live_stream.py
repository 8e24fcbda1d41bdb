"""Stream the bundled sample's events through Spark and print what each one changed.

Each customer's events are written, in time order, as JSONL files (one micro-batch per
file); Spark Structured Streaming runs one live session per customer
(gridcrm_rules.live.spark_streaming) with that customer's snapshot as its state, and the
change records land in a memory table.  Needs the spark extra and Java.

Run with:  python examples/live_stream.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import gridcrm_rules as gr

try:
    from gridcrm_rules.live.spark_streaming import EVENT_SCHEMA, event_row, stream_changes
    from gridcrm_rules.spark import local_session
except gr.MissingExtra as missing:  # one line naming what to install, not a traceback
    raise SystemExit(f"live_stream.py: {missing}") from None
from gridcrm_rules.models import history_key, parse_events
from gridcrm_rules.sample import load_sample

engine = gr.Engine.default()
sample = load_sample()
customers = sample.customers[:3]

spark = local_session(app_name="live-stream-example",
                      config={"spark.sql.shuffle.partitions": "2"})
with tempfile.TemporaryDirectory() as tmp:
    source = Path(tmp) / "events"
    source.mkdir()
    seq = 0
    for customer in customers:
        events = parse_events(sample.events_for(customer["id"]))
        lines = []
        for i, event in enumerate(sorted(events, key=history_key)):  # engine order
            lines.append(json.dumps(event_row(customer["id"], event, seq,
                                              customer if i == 0 else None)))
            seq += 1
        (source / f"{customer['id']}.jsonl").write_text("\n".join(lines) + "\n", "utf-8")

    stream = spark.readStream.schema(EVENT_SCHEMA).option("maxFilesPerTrigger", 1).json(
        str(source))
    query = (stream_changes(engine, stream).writeStream.format("memory")
             .queryName("changes").option("checkpointLocation", str(Path(tmp) / "ck"))
             .trigger(availableNow=True).start())
    query.awaitTermination()
    rows = spark.sql("select customer_id, kind, at, record from changes "
                     "order by customer_id, at").collect()
    for row in rows:
        record = json.loads(row.record)
        print(row.customer_id, row.at.isoformat(), row.kind, record.get("clause_ids", []))
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[row.kind] = by_kind.get(row.kind, 0) + 1
    print(f"{len(rows)} changes over {len(customers)} customers: {dict(sorted(by_kind.items()))}")

    # The contract: the same records as a plain live session per customer, fed in order.
    expected = []
    for customer in customers:
        plain = engine.live()
        plain.add_customer(customer)
        for event in sorted(parse_events(sample.events_for(customer["id"])), key=history_key):
            expected += [(customer["id"], json.dumps(c.model_dump(mode="json"),
                                                     ensure_ascii=False, sort_keys=True))
                         for c in plain.post(customer["id"], event)]
    streamed = sorted((row.customer_id, row.record) for row in rows)
    print("stream == live session per customer:", streamed == sorted(expected))
spark.stop()
