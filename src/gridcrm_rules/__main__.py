"""``python -m gridcrm_rules``: the ``gridcrm-rules`` command, for an environment whose
scripts folder is not on ``PATH`` (``python -m gridcrm_rules demo``)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
