"""Synthetic populations as batch input tables (for tests, benchmarks and demos).

:func:`gridcrm_rules.sample.generate_population` returns NumPy columns with
integer codes; :func:`population_frames` turns them into the two input tables
``evaluate_batch`` reads -- the same records :func:`~gridcrm_rules.sample.population_record`
gives one customer at a time, as typed polars columns.
"""

from __future__ import annotations

from .._extras import require_extra  # first: a missing extra is one clear error

require_extra("batch", "gridcrm_rules.sample.frames")

from typing import Any  # noqa: E402

import polars as pl  # noqa: E402

from ..batch._catalog import TZ  # noqa: E402

__all__ = ["population_frames"]

_CUSTOMER_COLUMNS = (
    "id", "category", "supply_voltage_kv", "transformer_kva", "usage_nature", "org_type",
    "region", "prepaid_meter", "is_deputy", "is_media", "is_supervisor",
)


def _ym(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.format("{}-{}", (c // 100).cast(pl.String).str.zfill(4),
                     (c % 100).cast(pl.String).str.zfill(2))


def population_frames(
    customers: dict[str, Any], events: dict[str, Any], *, extra: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(customers, events)`` input tables for a generated population.

    With ``extra=True`` the customers table keeps the generator's columns
    (``profile``, ``expected_grade`` ...), which ``evaluate_batch`` must then be
    told to ignore (``extra="ignore"``).
    """
    from ._population import EVENT_TYPES

    cols = [c for c in customers if extra or c in _CUSTOMER_COLUMNS]
    cust = pl.DataFrame({c: customers[c] for c in cols}).with_columns(
        pl.col("transformer_kva").fill_nan(None).cast(pl.Int64)
    )
    ev = pl.DataFrame({k: (v.astype("datetime64[ms]") if k == "at" else v)
                       for k, v in events.items()})
    ids = cust.get_column("id")
    money = pl.Decimal(38, 2)
    typ = pl.Series(EVENT_TYPES, dtype=pl.String)
    out = ev.select(
        pl.col("customer_idx").map_batches(lambda s: ids.gather(s), return_dtype=pl.String)
        .alias("customer_id"),
        pl.col("type").map_batches(lambda s: typ.gather(s), return_dtype=pl.String),
        pl.format("E{}", pl.col("id")).alias("id"),
        pl.when(pl.col("type") == 0).then(_ym("period")).alias("period"),
        pl.when(pl.col("type").is_in([0, 1]))
        .then(pl.col("amount_fen").cast(money) / pl.lit(100).cast(money)).cast(money)
        .alias("amount"),
        pl.col("due").cast(pl.Date),
        pl.col("at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        .dt.convert_time_zone(TZ),
        pl.when(pl.col("bill_id") >= 0).then(pl.format("E{}", pl.col("bill_id")))
        .alias("bill_id"),
        *(
            [pl.when(pl.col("type") == 4).then(_ym("period")).alias("month"),
             pl.when(pl.col("type") == 4).then(pl.col("kwh_centi").cast(money) / 100)
             .cast(money).alias("kwh")]
            if "kwh_centi" in ev.columns else []
        ),
    )
    return cust, out
