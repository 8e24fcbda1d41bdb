"""CSV input in any text encoding, with the byte offset of the first undecodable byte.

Exports from Chinese Excel are often GBK (``--encoding gbk``); polars reads
only UTF-8.  :func:`scan_csv` checks a UTF-8 file as it streams (one pass, in
blocks, nothing kept) and decodes any other encoding into memory first -- Excel
itself stops at 1,048,576 rows, so such files are small.  A file that does not
decode raises :class:`~gridcrm_rules.batch.BatchInputError` naming the file,
the byte offset and the bytes, never a raw polars ``ComputeError``.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Final

import polars as pl

from .tables import BatchInputError

__all__ = ["DEFAULT_ENCODING", "decode_file", "scan_csv"]

DEFAULT_ENCODING: Final = "utf-8"
_BLOCK: Final = 1 << 20


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise BatchInputError(
            f"unknown text encoding {encoding!r} (e.g. utf-8, gbk, gb18030, utf-16)"
        ) from None


def _undecodable(path: Path, encoding: str, offset: int, bad: bytes) -> BatchInputError:
    hint = (
        " -- a CSV saved by Chinese Excel is usually GBK: pass --encoding gbk "
        "(encoding='gbk' in Python)"
        if _codec_name(encoding) == "utf-8"
        else ""
    )
    return BatchInputError(f"{path}: not valid {encoding} text at byte {offset} ({bad!r}){hint}")


def decode_file(path: str | Path, encoding: str = DEFAULT_ENCODING, *, keep: bool = True) -> str:
    """The text of a file, decoded in blocks (``keep=False``: only check, return ``""``).

    Raises :class:`BatchInputError` with the byte offset of the first byte that does
    not decode, and ``FileNotFoundError`` for a missing file.
    """
    file = Path(path)
    decoder = codecs.getincrementaldecoder(_codec_name(encoding))(errors="strict")
    parts: list[str] = []
    offset = 0  # bytes of the file handed to the decoder so far
    with file.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            pending: bytes = decoder.getstate()[0]  # bytes carried over from the last block
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                data = pending + block
                start = offset - len(pending) + exc.start
                raise _undecodable(file, encoding, start, data[exc.start : exc.end]) from None
            if keep:
                parts.append(text)
            offset += len(block)
            if not block:
                return "".join(parts)


def scan_csv(path: str | Path, *, encoding: str = DEFAULT_ENCODING) -> pl.LazyFrame:
    """A CSV file as a LazyFrame of text columns (ids such as ``"007"`` stay text).

    UTF-8 (with or without a byte-order mark) is checked in one streaming pass and
    then scanned lazily; another encoding is decoded into memory and parsed from there.
    """
    file = Path(path)
    if _codec_name(encoding) == "utf-8":
        decode_file(file, encoding, keep=False)
        return pl.scan_csv(file, infer_schema=False)
    text = decode_file(file, encoding).removeprefix("\ufeff")
    return pl.read_csv(text.encode("utf-8"), infer_schema=False).lazy()
