"""Machine-readable output: one JSON object per line (``--format json``).

Every line is an object with a ``record`` key saying what it describes
(``customer``, ``scenario``, ``pack``, ``decision_table``, ``summary``), so a
script can read the stream line by line (``jq``, ``pandas.read_json(lines=True)``).
Decimals are JSON texts (``"63000.00"``), dates and instants ISO 8601 texts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic_core import to_jsonable_python

__all__ = ["emit", "json_line"]


def json_line(record: str, fields: Mapping[str, Any]) -> str:
    """``{"record": record, **fields}`` as one line of JSON (UTF-8 text kept readable)."""
    payload = {"record": record, **fields}
    return json.dumps(to_jsonable_python(payload), ensure_ascii=False, separators=(",", ":"))


def emit(record: str, fields: Mapping[str, Any]) -> None:
    """Print one JSON line to stdout."""
    print(json_line(record, fields))
