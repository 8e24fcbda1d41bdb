"""``gridcrm_rules.spark``: the same three tables from Spark, on a local[2] session.

Skipped when pyspark (the ``spark`` extra) or Java is missing; CI installs both.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date

import pytest

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - depends on the machine
    pytest.skip("Spark needs Java", allow_module_level=True)

import polars as pl
from polars.testing import assert_frame_equal

import gridcrm_rules as gr
from gridcrm_rules.sample import generate_population
from gridcrm_rules.sample.frames import population_frames

pytestmark = [
              pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings(
                  "ignore::pytest.PytestUnraisableExceptionWarning")]
AS_OF = "2026-11-22T09:00:00+08:00"


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    """A local[2] Spark session in UTC, torn down after the module."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]").appName("gridcrm-rules-tests")
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate()
    )
    yield session
    session.stop()


def test_spark_tables_equal_the_local_batch(spark) -> None:  # type: ignore[no-untyped-def]
    """Decisions and errors from Spark equal evaluate_batch's (row ids aside)."""
    from gridcrm_rules.spark import evaluate_spark

    engine = gr.Engine.from_packs(["credit"])
    c, e = generate_population(400, seed=9, as_of=date(2026, 11, 22))
    cust, ev = population_frames(c, e)
    # Padded ids (the models strip them): the customer and its events must still meet.
    padded = cust.get_column("id")[0]
    cust = cust.with_columns(pl.when(pl.col("id") == padded).then(pl.lit("\u3000" + padded))
                             .otherwise(pl.col("id")).alias("id"))
    ev = ev.with_columns(pl.when(pl.col("customer_id") == padded)
                         .then(pl.lit(padded + "\u2003 ")).otherwise(pl.col("customer_id"))
                         .alias("customer_id"))
    bad = pl.DataFrame({"customer_id": ["NOBODY"], "type": ["theft_detected"], "id": ["x"],
                        "at": ["2026-01-01"]})
    ev = pl.concat([ev.with_columns(pl.col("at").dt.to_string("%Y-%m-%dT%H:%M:%S%:z")), bad],
                   how="diagonal_relaxed")
    local = engine.evaluate_batch(cust, ev, as_of=AS_OF)
    result = evaluate_spark(engine, spark.createDataFrame(cust.to_arrow()),
                            spark.createDataFrame(ev.to_arrow()), as_of=AS_OF, partitions=3)
    got = pl.from_arrow(result.decisions.toArrow())
    assert isinstance(got, pl.DataFrame)
    keep = [c for c in local.decisions.columns if c != "row"]
    want = local.decisions.select(keep)
    assert_frame_equal(got.select(keep).cast(dict(want.schema)).sort("customer_id"),
                       want.sort("customer_id"))
    errors = pl.from_arrow(result.errors.toArrow())
    assert isinstance(errors, pl.DataFrame)
    assert errors.get_column("type").to_list() == ["unknown_customer"]
    assert result.tasks.count() == 0
