"""Which packs a command runs: ``--pack`` adds to the built-ins, ``--only`` replaces them.

One definition for every command that takes packs (``demo``, ``test``,
``verify``, ``evaluate``): ``--pack X`` means "the default packs, with X in
place of the default it provides" (``Engine.from_packs(..., include_defaults=True)``);
``--only X`` means "exactly X and what it ``requires``".  A pack path that does
not exist is one :class:`~gridcrm_rules.errors.PackNotFound`, raised before
anything runs, so a command can exit 2 with one message.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PackNotFound
from .engine import DEFAULT_PACKS, Engine

__all__ = ["PackSelection", "add_pack_options"]

_PACK_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml"})


@dataclass(frozen=True, slots=True)
class PackSelection:
    """The packs named on a command line and whether the defaults are added to them."""

    packs: tuple[str, ...] = ()
    include_defaults: bool = True

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> PackSelection:
        """Read ``--pack`` and ``--only`` (see :func:`add_pack_options`)."""
        added = tuple(getattr(args, "pack", None) or ())
        only = tuple(getattr(args, "only", None) or ())
        if only:
            return cls(only + added, include_defaults=False)
        return cls(added, include_defaults=True)

    @property
    def pack_list(self) -> tuple[str, ...]:
        """The packs to pass to :meth:`Engine.from_packs` (the defaults when none named)."""
        return self.packs or DEFAULT_PACKS

    def check_files(self) -> None:
        """Raise :class:`PackNotFound` for a named pack file that does not exist."""
        for pack in self.packs:
            path = Path(pack)
            if path.suffix.lower() in _PACK_SUFFIXES and not path.is_file():
                raise PackNotFound(f"pack file not found: {pack}")

    def engine(self, params: Mapping[str, Any] | None = None) -> Engine:
        """The engine these packs make (files checked first)."""
        self.check_files()
        return Engine.from_packs(
            self.pack_list, params=params, include_defaults=self.include_defaults
        )


def add_pack_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--pack`` (added to the built-ins) and ``--only`` (exactly these) to a command."""
    parser.add_argument(
        "--pack",
        action="append",
        metavar="PACK",
        help="pack file or name, added to the built-in packs (replacing the one it "
        "provides or extends); repeatable",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="PACK",
        help="run exactly this pack (and the packs it requires) instead of the built-ins; "
        "repeatable",
    )

