"""The install instructions match what can be installed: the package is not on PyPI."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands(markdown: str) -> list[str]:
    """The command lines of the fenced console blocks, without '$ ' and comments."""
    blocks = re.findall(r"```console\n(.*?)```", markdown, flags=re.DOTALL)
    lines = (line.removeprefix("$ ").split("#", 1)[0].strip() for b in blocks
             for line in b.splitlines())
    return [line for line in lines if line.startswith(("python -m pip", "pip "))]


def test_the_docs_index_installs_from_a_clone_as_the_readme_does() -> None:
    """docs/index.md leads with the README's install command, never the unpublished name."""
    readme = _commands((ROOT / "README.md").read_text(encoding="utf-8"))
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    install = _commands(index.split("\n## Install\n", 1)[1].split("\n## ", 1)[0])
    assert readme[0].startswith("python -m pip install -e . ")
    assert install[0] == "python -m pip install -e ."
    for command in install:
        assert not re.search(r"pip install\s+(-\S+\s+)*[\"']?gridcrm-rules", command), command
