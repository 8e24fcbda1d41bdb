"""One local[2] Spark session for every Spark test module, and the warnings Spark's
Python workers raise (pandas' FutureWarning, unclosed sockets) kept out of the report.

The modules themselves skip when pyspark or Java is missing (CI installs both).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SPARK_WARNINGS = (
    "ignore::FutureWarning",
    "ignore::DeprecationWarning",
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            for warning in SPARK_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(warning))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] Spark session (UTC, 4 shuffle partitions), torn down at the end."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:  # pragma: no cover - depends on the machine
        pytest.skip("Spark needs Java")
    from gridcrm_rules.spark import local_session

    session = local_session(app_name="gridcrm-rules-tests",
                            config={"spark.sql.shuffle.partitions": "4"})
    yield session
    session.stop()
