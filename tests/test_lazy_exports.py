"""``gridcrm_rules/__init__.py`` imports its public names on first use (PEP 562).

The ``TYPE_CHECKING`` imports (what mypy and editors see) and the run-time table
``_EXPORTS`` must name the same objects from the same modules, ``__all__`` and
``dir()`` must list every public name, and a bare ``import gridcrm_rules`` must not
load pydantic, PyYAML, dateutil or the calendar data.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import gridcrm_rules as gr

INIT = Path(gr.__file__)


def _type_checking_imports() -> dict[str, str]:
    """Name -> module of every import under ``if TYPE_CHECKING:`` in ``__init__.py``."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(
        node for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    return {
        alias.name: "." * node.level + (node.module or "")
        for node in block.body if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_the_typed_imports_and_the_run_time_table_agree() -> None:
    assert _type_checking_imports() == gr._EXPORTS
    assert set(gr.__all__) == set(gr._EXPORTS) | {"__version__"}


@pytest.mark.parametrize("name", sorted(gr.__all__))
def test_every_public_name_resolves_and_is_listed(name: str) -> None:
    assert getattr(gr, name) is not None
    assert name in dir(gr)


def test_the_names_are_the_defining_modules_objects() -> None:
    from gridcrm_rules.engine import Engine
    from gridcrm_rules.models import parse_events

    assert gr.Engine is Engine
    assert gr.parse_events is parse_events
    assert isinstance(gr.__version__, str)
    assert gr.__version__


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        _ = gr.NoSuchThing
    with pytest.raises(AttributeError, match="no attribute '_private'"):
        _ = gr._private


def test_a_subpackage_is_reachable_as_an_attribute() -> None:
    assert gr.windows.cutoff_of is not None


def test_a_bare_import_loads_no_model_pack_or_calendar() -> None:
    code = (
        "import json, sys, gridcrm_rules\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'pydantic', 'yaml', 'dateutil', 'importlib_metadata'} "
        "or m.startswith('gridcrm_rules.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert json.loads(done.stdout) == []
