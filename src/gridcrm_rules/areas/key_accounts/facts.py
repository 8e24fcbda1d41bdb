"""Record-keeping facts for key accounts (RULES.md §5): the KA-L1 documents.

Source: 004_953f5f3099258168.txt.

* KA-L1 (供电公司重要客户业扩报装工作管理规定 第三条): 煤矿、非煤矿山等一级重要客户新装时必须
  提供采矿许可证和项目核准、安全专篇、初步设计、环评报告等批复文件方可受理申请。煤矿等一级
  重要客户增容时,还必须提供六证(采矿许可证、矿长资格证、矿长安全资格证、安全生产许可证、
  煤炭生产许可证、工商营业执照)才能受理。
Which customers the checks apply to (grade-1 important customer, mine type) is decided
by the rules of the ``key_accounts`` pack; these facts only say what is on record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ...expr.types import STR, Type
from ...facts.registry import FactContext, FactProvider
from ...models import BusinessApplied

__all__ = [
    "INCREASE_DOCUMENTS",
    "KEY_ACCOUNT_FACTS",
    "NEW_INSTALLATION_DOCUMENTS",
    "key_account_facts",
    "missing_documents",
]

NEW_INSTALLATION_DOCUMENTS: Final = (
    "mining_licence",
    "project_approval",
    "safety_chapter",
    "preliminary_design",
    "eia_approval",
)
"""采矿许可证, 项目核准, 安全专篇, 初步设计, 环评报告 (a mine's new installation)."""

INCREASE_DOCUMENTS: Final = (
    "mining_licence",
    "mine_manager_qualification",
    "mine_manager_safety_qualification",
    "safety_production_licence",
    "coal_production_licence",
    "business_licence",
)
"""六证: 采矿许可证, 矿长资格证, 矿长安全资格证, 安全生产许可证, 煤炭生产许可证, 工商营业执照."""


def missing_documents(
    applications: list[BusinessApplied], business: str, required: tuple[str, ...]
) -> str:
    """'application <id> lacks <doc>, <doc>' for the latest application of ``business``.

    '' when there is no such application or it has every required document.
    """
    mine = [a for a in applications if a.business == business]
    if not mine:
        return ""
    latest = max(mine, key=lambda a: (a.at, a.id))
    lacking = [doc for doc in required if doc not in latest.documents]
    if not lacking:
        return ""
    return f"application {latest.id} lacks {', '.join(lacking)}"


def key_account_facts(ctx: FactContext) -> Mapping[str, Any]:
    """The documents the latest applications lack, at ``as_of``."""
    applications = [e for e in ctx.events if isinstance(e, BusinessApplied)]
    return {
        "ka_l1_missing_new": missing_documents(applications, "new", NEW_INSTALLATION_DOCUMENTS),
        "ka_l1_missing_increase": missing_documents(
            applications, "capacity_increase", INCREASE_DOCUMENTS
        ),
    }


_TYPES: dict[str, Type] = {
    "ka_l1_missing_new": STR,
    "ka_l1_missing_increase": STR,
}

_DOCS = {
    "ka_l1_missing_new": "Documents the latest new-installation application (business_applied) "
    "lacks, as 'application <id> lacks …'; '' when none is missing or there is no application.",
    "ka_l1_missing_increase": "Licences (六证) the latest capacity-increase application lacks; "
    "'' when none is missing or there is no application.",
}

KEY_ACCOUNT_FACTS = FactProvider(
    name="key_account_records",
    provides=_TYPES,
    compute=key_account_facts,
    docs=_DOCS,
    clause="KA-L1",
)
