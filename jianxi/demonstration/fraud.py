"""Which hosts the fraud queries (R-SUB-6) name today: the "no open fraud lead" factor of the score.

The queries live in subsidies and return rows for an officer to read, naming a host by its name
(or, for shared bank accounts, also by its credit code). They have no closed state: a lead is
open while the data behind it stands. ``_leads`` is the one place that calls them, so that their
module's rename (issue #13: ``signals`` → ``fraud_leads``) is a one-line change here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jianxi.accounts.models import Role

HOST_NAME_COLUMNS = ("见习单位", "单位名称")
CREDIT_CODE_COLUMN = "统一社会信用代码"


@dataclass(frozen=True)
class _CityWide:
    """A viewer who sees every district: a host's score must not depend on who reads it."""

    role: str = Role.CITY
    is_authenticated: bool = True


def _leads() -> Iterable[Any]:
    from jianxi.subsidies import fraud_leads as fraud_queries

    return fraud_queries.all_signals(_CityWide())  # type: ignore[arg-type]  # a city-wide viewer, not a stored user


def fraud_leads_by_host(hosts: Iterable[tuple[int, str, str]]) -> Counter[int]:
    """How many lead rows name each of ``hosts`` (id, name, credit code); hosts named by none are absent.

    A row that gives the credit code is matched by it; one that gives only the name counts for
    every host of that name, since a lead is a reason to look, not a finding.
    """
    by_name: dict[str, list[int]] = {}
    by_code: dict[str, int] = {}
    for host_id, name, code in hosts:
        by_name.setdefault(name, []).append(host_id)
        by_code[code] = host_id
    counts: Counter[int] = Counter()
    for lead in _leads():
        columns = list(lead.columns)
        code_at = columns.index(CREDIT_CODE_COLUMN) if CREDIT_CODE_COLUMN in columns else None
        name_at = next((columns.index(c) for c in HOST_NAME_COLUMNS if c in columns), None)
        for row in lead.rows:
            if code_at is not None:
                named = [by_code[row[code_at]]] if row[code_at] in by_code else []
            elif name_at is not None:
                named = by_name.get(row[name_at], [])
            else:
                named = []  # a lead about persons only (shared phone numbers)
            counts.update(named)
    return counts
