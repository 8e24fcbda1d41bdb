"""Every ``>>>`` example in the package's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import gridcrm_rules

SKIP: tuple[str, ...] = ("gridcrm_rules.spark", "gridcrm_rules.cli")  # a JVM / a terminal
if importlib.util.find_spec("durable") is None:  # durable-rules has no build for >= 3.13
    SKIP += ("gridcrm_rules.live.durable",)


def _has_examples(name: str) -> bool:
    module = importlib.import_module(name)
    return any(t.examples for t in doctest.DocTestFinder().find(module))


def _modules_with_examples() -> list[str]:
    names = ["gridcrm_rules"]
    for info in pkgutil.walk_packages(gridcrm_rules.__path__, "gridcrm_rules."):
        if not info.name.startswith(SKIP) and not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(n for n in names if _has_examples(n))


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples(name: str) -> None:
    """The module's docstring examples run and print what they show."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
