"""The library's own scenario files, wherever the library is installed.

Every built-in clause is pinned by scenario files (``tests/scenarios/<area>/`` in the
source tree).  The wheel ships them as ``gridcrm_rules/_tests/scenarios``, beside the
fixture packs some of them name (``_tests/fixtures/packs``, the source tree's layout),
so that a pack maintainer can run them against a changed pack after ``pip install``,
without a clone: ``gridcrm-rules test --builtin --pack my_credit.yaml``
(docs/scenarios.md; the mapping is pyproject.toml's ``force-include``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["builtin_scenarios"]

_PACKAGE = Path(__file__).resolve().parent.parent


def builtin_scenarios() -> Path:
    """The folder of the library's own scenario files.

    In an installed wheel: ``gridcrm_rules/_tests/scenarios``; in a source checkout (an
    editable install): the checkout's ``tests/scenarios``.  ``FileNotFoundError`` when
    neither is there (a build that left them out).
    """
    shipped = _PACKAGE / "_tests" / "scenarios"
    for folder in (shipped, _PACKAGE.parent.parent / "tests" / "scenarios"):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(
        f"the library's own scenarios are not installed (looked for {shipped})")
