"""Shared test configuration: the hypothesis profile and a few common fixtures."""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import gridcrm_rules as gr

# Modest and deadline-free: the properties evaluate a full engine per example,
# and CI machines vary in speed.  GRIDCRM_HYPOTHESIS_PROFILE=thorough digs deeper.
# When a property fails, hypothesis' pytest plugin lazily imports
# hypothesis.extra._patching (libcst, black) to suggest a patch.  That import emits a
# DeprecationWarning (mypy_extensions.TypedDict, via black) which, under the project's
# ``filterwarnings = ["error"]``, turns the failure report into an INTERNALERROR that
# hides the falsifying example.  Import it once here, outside pytest's warning filters.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1000)
settings.load_profile(os.environ.get("GRIDCRM_HYPOTHESIS_PROFILE", "ci"))

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``tests/fixtures``: pack files, failing scenarios, a fake entry-point module."""
    return TESTS_DIR / "fixtures"


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    """``tests/scenarios``: every scenario folder of the suite."""
    return TESTS_DIR / "scenarios"


@pytest.fixture(scope="session")
def default_engine() -> gr.Engine:
    """The built-in engine, built once per session (engines are immutable)."""
    return gr.Engine.default()


@pytest.fixture
def customer() -> dict[str, Any]:
    """A low-voltage commercial customer as a plain dict."""
    return {
        "id": "C1",
        "category": "lv_commercial",
        "supply_voltage_kv": "0.38",
        "usage_nature": "commercial",
    }
