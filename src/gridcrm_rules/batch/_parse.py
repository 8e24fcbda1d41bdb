"""Vectorised, conservative parsers for input columns.

Each parser returns ``(value, ok)`` expressions.  ``ok`` is true only where the
value is certainly what the pydantic model would make of the input; every other
non-null input is sent to the model row by row, which then decides (and words
the error).  So a parser may refuse a valid value -- it costs speed, never
correctness -- but must never accept a value the model refuses or reads
differently.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from ._catalog import DEC, TZ, UTC

__all__ = ["Parsed", "padded", "parse_bool", "parse_date", "parse_decimal", "parse_fen",
           "parse_instant", "parse_str"]

Parsed = tuple[pl.Expr, pl.Expr]

_DATE_RE: Final = r"^\d{4}-\d{2}-\d{2}$"
_INSTANT_RE: Final = (
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-](0\d|1\d|2[0-3]):[0-5]\d)$"
)
_FEN_RE: Final = r"^\d{1,14}(\.\d{1,2})?$"
_DEC_RE: Final = r"^\d{1,20}(\.\d{1,9})?$"
_FALSE: Final = pl.lit(False)


def _numeric(dtype: pl.DataType) -> bool:
    return dtype.is_integer() or dtype.is_float() or isinstance(dtype, pl.Decimal)


def padded(text: pl.Expr) -> pl.Expr:
    """Whether a text has edge whitespace the models strip (``str_strip_whitespace``
    and ``strip_chars()`` strip the same Unicode set, checked in tests/batch)."""
    return text.str.strip_chars().str.len_bytes() != text.str.len_bytes()


def parse_str(name: str, dtype: pl.DataType, *, min_len: int = 0) -> Parsed:
    """A text field; refused (sent to the model) if not text or padded with whitespace.

    The models strip whitespace (``str_strip_whitespace``); a value that loses
    nothing to ``strip_chars()`` -- the same Unicode whitespace set, checked in
    tests/batch -- is exactly the model's value.
    """
    col = pl.col(name)
    if dtype == pl.Null:
        return pl.lit(None, pl.String), _FALSE
    if dtype != pl.String:
        return pl.lit(None, pl.String), _FALSE
    size = col.str.len_bytes()
    ok = col.is_not_null() & ~padded(col)
    if min_len == 1:
        ok = ok & (size >= 1)
    elif min_len:
        ok = ok & (col.str.len_chars() >= min_len)
    return col, ok


def parse_fen(name: str, dtype: pl.DataType) -> Parsed:
    """Money (>= 0, at most 2 decimals) as integer fen."""
    col = pl.col(name)
    if dtype.is_integer():
        ok = col.is_not_null() & (col >= 0) & (col < 10**14)
        return (col.cast(pl.Int64) * 100), ok
    if dtype.is_float():
        scaled = (col * 100).round(0)
        ok = col.is_finite() & (col >= 0) & (col < 1e13) & ((scaled / 100) == col)
        return scaled.cast(pl.Int64, strict=False), ok.fill_null(False)
    if isinstance(dtype, pl.Decimal) and (dtype.scale or 0) <= 2:
        # At most two places already: the scaled integer itself, times 10**(2 - scale).
        units = col.to_physical().cast(pl.Int64, strict=False)  # out of range: null, refused
        ok = (units >= 0) & (units < 10 ** (14 + (dtype.scale or 0)))
        return units * 10 ** (2 - (dtype.scale or 0)), ok.fill_null(False)
    if isinstance(dtype, pl.Decimal):
        two = col.cast(pl.Decimal(38, 2), strict=False)
        ok = (col >= 0) & (two == col) & (col < 10**14)
        return (two * 100).cast(pl.Int64, strict=False), ok.fill_null(False)
    if dtype == pl.String:
        ok = col.str.contains(_FEN_RE)
        two = col.cast(pl.Decimal(38, 2), strict=False)
        return (two * 100).cast(pl.Int64, strict=False), ok.fill_null(False)
    return pl.lit(None, pl.Int64), _FALSE


def parse_decimal(name: str, dtype: pl.DataType) -> Parsed:
    """A non-negative quantity as Decimal(38, 9); more places than 9 are refused."""
    col = pl.col(name)
    if dtype.is_integer():
        return col.cast(DEC), (col >= 0).fill_null(False)
    if dtype.is_float():
        text = col.cast(pl.String)
        ok = col.is_finite() & (col >= 0) & text.str.contains(_DEC_RE)
        return text.cast(DEC, strict=False), ok.fill_null(False)
    if isinstance(dtype, pl.Decimal):
        if (dtype.scale or 0) > 9:
            return pl.lit(None, DEC), _FALSE
        return col.cast(DEC, strict=False), (col >= 0).fill_null(False)
    if dtype == pl.String:
        ok = col.str.contains(_DEC_RE)
        return col.cast(DEC, strict=False), ok.fill_null(False)
    return pl.lit(None, DEC), _FALSE


def parse_decimal_text(name: str, dtype: pl.DataType) -> Parsed:
    """A non-negative quantity kept as its decimal text (energy in kWh)."""
    col = pl.col(name)
    if dtype.is_integer():
        return col.cast(pl.String), (col >= 0).fill_null(False)
    if dtype.is_float():
        text = col.cast(pl.String)
        ok = col.is_finite() & (col >= 0) & text.str.contains(r"^\d+(\.\d+)?$")
        return text, ok.fill_null(False)
    if isinstance(dtype, pl.Decimal):
        return col.cast(pl.String), (col >= 0).fill_null(False)
    if dtype == pl.String:
        return col, col.str.contains(r"^\d{1,20}(\.\d{1,20})?$").fill_null(False)
    return pl.lit(None, pl.String), _FALSE


def parse_date(name: str, dtype: pl.DataType) -> Parsed:
    """A calendar date."""
    col = pl.col(name)
    if dtype == pl.Date:
        return col, col.is_not_null()
    if dtype == pl.String:
        value = col.str.to_date("%Y-%m-%d", strict=False)
        return value, (col.str.contains(_DATE_RE) & value.is_not_null()).fill_null(False)
    return pl.lit(None, pl.Date), _FALSE


def parse_instant(name: str, dtype: pl.DataType) -> Parsed:
    """An aware instant as UTC microseconds; a date alone is 00:00 Asia/Shanghai.

    Naive datetimes are never accepted here: the model refuses them with its
    own message.
    """
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return col.dt.convert_time_zone("UTC").cast(UTC), col.is_not_null()
    if dtype == pl.Date:
        return _midnight(col), col.is_not_null()
    if dtype == pl.String:
        day = col.str.to_date("%Y-%m-%d", strict=False)
        full = (
            col.str.replace(r"Z$", "+00:00")
            .str.replace(" ", "T", literal=True)
            .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us",
                             time_zone="UTC")
        )
        is_day = col.str.contains(_DATE_RE).fill_null(False)
        value = pl.when(is_day).then(_midnight(day)).otherwise(full)
        ok = (is_day | col.str.contains(_INSTANT_RE).fill_null(False)) & value.is_not_null()
        return value, ok
    return pl.lit(None, UTC), _FALSE


def _midnight(day: pl.Expr) -> pl.Expr:
    return day.cast(pl.Datetime("us")).dt.replace_time_zone(TZ).dt.convert_time_zone("UTC")


def parse_bool(name: str, dtype: pl.DataType) -> Parsed:
    """A flag; text such as 'yes' goes to the model."""
    col = pl.col(name)
    if dtype == pl.Boolean:
        return col, col.is_not_null()
    return pl.lit(None, pl.Boolean), _FALSE


def parse_choice(name: str, dtype: pl.DataType, choices: tuple[str, ...]) -> Parsed:
    """One of a closed set of strings."""
    if dtype != pl.String:
        return pl.lit(None, pl.String), _FALSE
    col = pl.col(name)
    return col, col.is_in(list(choices)).fill_null(False)


def numeric(dtype: pl.DataType) -> bool:
    """Whether a column holds numbers (integers, floats or decimals)."""
    return _numeric(dtype)
