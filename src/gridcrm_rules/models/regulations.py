"""The regulations the built-in packs cite: source file name -> the regulation's title.

Packs cite a regulation by its file name (``document: 000_00d757a177b389d7.txt``,
the seed files of the project); explanations name it by its title, read from the
file's own heading.  A document not listed here (a local policy, a third-party
pack's source) is shown as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["REGULATION_TITLES", "regulation_title"]

REGULATION_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "000_00d757a177b389d7.txt": "电力客户信用等级评价与管理办法",
        "001_dd512314ecd5c970.txt": "电力系统客户服务制度",
        "002_d7a29d51395cbc64.txt": "2021年客戶經理工作計劃范文",
        "003_116c8bfe1db59ab4.txt": "客户工程回访制度",
        "004_953f5f3099258168.txt": "电力大客户管理制度",
    }
)
"""Seed file name -> title (the heading of the file)."""


def regulation_title(document: str | None) -> str | None:
    """The title of a cited regulation, or ``document`` itself when it is not a seed file."""
    if document is None:
        return None
    return REGULATION_TITLES.get(document, document)
