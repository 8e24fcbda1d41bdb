"""``gridcrm_rules.spark``: the same three tables from Spark, on a local[2] session.

Skipped when pyspark (the ``spark`` extra) or Java is missing; CI installs both.
"""

from __future__ import annotations

import shutil
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

AS_OF = "2026-11-22T09:00:00+08:00"


def test_local_session_workers_run_this_interpreter(spark) -> None:  # type: ignore[no-untyped-def]
    """Unless PYSPARK_PYTHON was set, the workers start the driver's own interpreter."""
    import os
    import sys

    expected = os.environ.get("PYSPARK_PYTHON", sys.executable)
    assert spark.sparkContext.pythonExec == expected
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "4"
    versions = spark.sparkContext.parallelize([0], 1).map(
        lambda _: __import__("sys").version_info[:2]).collect()
    assert versions == [tuple(sys.version_info[:2])]


def test_local_session_keeps_the_users_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PYSPARK_PYTHON / PYSPARK_DRIVER_PYTHON the user set is left as it is."""
    import os
    import sys

    from pyspark.sql import SparkSession

    import gridcrm_rules.spark as gs

    class FakeBuilder:
        """Records the builder calls and the environment when the session is made."""

        def __init__(self) -> None:
            self.calls: dict[str, str] = {}

        def master(self, value: str) -> FakeBuilder:
            self.calls["master"] = value
            return self

        def appName(self, value: str) -> FakeBuilder:  # noqa: N802 -- Spark's name
            self.calls["app"] = value
            return self

        def config(self, key: str, value: str) -> FakeBuilder:
            self.calls[key] = value
            return self

        def getOrCreate(self) -> dict[str, str | None]:  # noqa: N802 -- Spark's name
            return {**self.calls, **{v: os.environ.get(v) for v in gs.WORKER_PYTHON_VARIABLES}}

    monkeypatch.setattr(SparkSession, "builder", FakeBuilder())
    monkeypatch.setenv("PYSPARK_PYTHON", "/opt/custom/python")
    monkeypatch.delenv("PYSPARK_DRIVER_PYTHON", raising=False)
    made = gs.local_session("local[1]", config={"spark.ui.enabled": "true"})
    assert made == {"master": "local[1]", "app": "gridcrm-rules", "spark.ui.enabled": "true",
                    "spark.sql.session.timeZone": "UTC", "PYSPARK_PYTHON": "/opt/custom/python",
                    "PYSPARK_DRIVER_PYTHON": sys.executable}
    with pytest.raises(ValueError, match="needs a local master"):
        gs.local_session("spark://cluster:7077")


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


def test_spark_reads_nan_as_not_given_like_the_local_batch(spark) -> None:  # type: ignore[no-untyped-def]
    """A float column with NaN (pandas' missing number) is "not given" on Spark too."""
    from gridcrm_rules.spark import evaluate_spark

    engine = gr.Engine.from_packs(["credit"])
    cust = pl.DataFrame({"id": ["C1", "C2"], "category": ["residential", "dedicated_transformer"],
                         "supply_voltage_kv": [0.22, 10.0],
                         "transformer_kva": [float("nan"), 630.0]})
    ev = pl.DataFrame({"customer_id": ["C1"], "type": ["theft_detected"], "id": ["t1"],
                       "at": ["2025-03-01"], "amount": [float("nan")]})
    local = engine.evaluate_batch(cust, ev, as_of=AS_OF)
    assert local.errors.height == 0
    result = evaluate_spark(engine, spark.createDataFrame(cust.to_arrow()),
                            spark.createDataFrame(ev.to_arrow()), as_of=AS_OF, partitions=2)
    assert result.errors.count() == 0
    got = pl.from_arrow(result.decisions.toArrow())
    assert isinstance(got, pl.DataFrame)
    assert sorted(got.select("customer_id", "grade").iter_rows()) == sorted(
        local.decisions.select("customer_id", "grade").iter_rows())
def test_spark_scopes_an_uncomputable_deadline_to_its_task(spark) -> None:  # type: ignore[no-untyped-def]
    """A callback running into 2027 is an undetermined task with its error record on Spark
    too; the customer's decision stands (as in evaluate and evaluate_batch)."""
    from gridcrm_rules.spark import evaluate_spark

    engine = gr.Engine.default()
    cust = pl.DataFrame({"id": ["C4", "C5"], "category": ["lv_commercial", "residential"],
                         "supply_voltage_kv": ["0.38", "0.22"]})
    ev = pl.DataFrame({"customer_id": ["C4"], "type": ["installation_archived"], "id": ["i1"],
                       "at": ["2026-12-28T10:00:00+08:00"], "business": ["new"]})
    as_of = "2026-12-29T09:00:00+08:00"
    result = evaluate_spark(engine, spark.createDataFrame(cust.to_arrow()),
                            spark.createDataFrame(ev.to_arrow()), as_of=as_of, partitions=2)
    decisions = pl.from_arrow(result.decisions.toArrow())
    tasks = pl.from_arrow(result.tasks.toArrow())
    errors = pl.from_arrow(result.errors.toArrow())
    assert isinstance(decisions, pl.DataFrame)
    assert isinstance(tasks, pl.DataFrame)
    assert isinstance(errors, pl.DataFrame)
    assert sorted(decisions.get_column("grade").to_list()) == ["A", "A"]
    assert tasks.select("customer_id", "clause", "status", "due").rows() == [
        ("C4", "CB-BIZ", "undetermined", None)]
    assert errors.select("source", "customer_id", "type").rows() == [
        ("decisions", "C4", "calendar_data_missing")]
    local = engine.evaluate_batch(cust, ev, as_of=as_of)
    assert errors.drop("row").rows() == local.errors.drop("row").rows()


def test_spark_refuses_a_numeric_id_column_on_the_driver(spark) -> None:  # type: ignore[no-untyped-def]
    """As the local batch does, before any task runs (not as a failed task per executor)."""
    from gridcrm_rules.spark import evaluate_spark

    customers = spark.createDataFrame([(1001, "residential", "0.22")],
                                      ["id", "category", "supply_voltage_kv"])
    with pytest.raises(gr.errors.BatchInputError, match=r"^customers\.id is a column of bigint"):
        evaluate_spark(gr.Engine.from_packs(["credit"]), customers, None, as_of=AS_OF)
