"""What the registry extracts say about the lines of a claim (风险信号 from 比对数据, R-EL-7).

Three signals, each raised by the social-insurance enrolments (参保) loaded for the person's
district or city-wide, and shown on the claim line they concern and in the review:

* ``insured_elsewhere`` — during the line's month of internship the intern was insured by
  another employer (an intern is someone not employed);
* ``insured_by_host_before`` — the host itself insured the intern before the internship
  started (an employee passed off as an intern);
* ``remaining_uninsured`` — a month of a remaining-period claim (R-SUB-5) that the host did not
  insure, though the person is in the insurance extracts.

A flagged line is approved only after an officer records a decision on it (``FlagDecision``);
rejecting it needs none. Apart from the signals, ``blocks`` gives the R-EL-7 reasons an
internship's subsidy may not be approved (a fact it rests on contradicted, or unverified where
the policy requires it): such a line can only be rejected.

Everything here is a constant number of queries for any number of lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from jianxi.placements.models import Agreement
from jianxi.policy import engine
from jianxi.registry.models import Record, Source
from jianxi.registry.verdicts import records_of, subsidy_blocks
from jianxi.subsidies.models import ClaimKind, ClaimLine, FlagDecision

INSURED_ELSEWHERE = "insured_elsewhere"
INSURED_BY_HOST_BEFORE = "insured_by_host_before"
REMAINING_UNINSURED = "remaining_uninsured"
TITLES = {
    INSURED_ELSEWHERE: "见习期间由其他单位参保",
    INSURED_BY_HOST_BEFORE: "见习开始前已由本单位参保",
    REMAINING_UNINSURED: "剩余期限月份本单位未参保",
}


@dataclass(frozen=True)
class Flag:
    code: str
    message: str

    @property
    def title(self) -> str:
        return TITLES[self.code]


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _overlaps(record: Record, first: date, last: date) -> bool:
    return record.start is not None and record.start <= last and (record.end is None or record.end >= first)


def _period(record: Record) -> str:
    return f"{record.start} 至 {record.end or '今'}，比对数据 LD-{record.load_id}"


def _line_flags(line: ClaimLine, insured: Sequence[Record]) -> list[Flag]:
    agreement = line.agreement
    host_code = agreement.host.credit_code
    first, last = line.month, _month_end(line.month)
    flags: list[Flag] = []
    if line.kind == ClaimKind.MONTHLY:
        inside_first = max(first, agreement.start)
        inside_last = min(last, agreement.ended_on or agreement.end)
        others = [r for r in insured if r.employer_code != host_code and _overlaps(r, inside_first, inside_last)]
        for r in others:
            flags.append(
                Flag(
                    INSURED_ELSEWHERE,
                    f"{line.month:%Y-%m} 见习期间由其他单位（{r.employer_code}）参保（{_period(r)}）",
                )
            )
        before = [r for r in insured if r.employer_code == host_code and r.start and r.start < agreement.start]
        for r in before:
            flags.append(
                Flag(
                    INSURED_BY_HOST_BEFORE,
                    f"见习开始日 {agreement.start} 前已由本单位参保（{_period(r)}），可能为在职职工按见习人员申报",
                )
            )
    elif insured and not any(r.employer_code == host_code and _overlaps(r, first, last) for r in insured):
        flags.append(
            Flag(
                REMAINING_UNINSURED,
                f"{line.month:%Y-%m} 劳动合同期内本单位无参保记录（参保比对数据中有该人员的其他记录）",
            )
        )
    return flags


def line_flags(lines: Sequence[ClaimLine]) -> dict[int, list[Flag]]:
    """Each line's signals (lines with ``agreement__host`` and ``agreement__person`` loaded)."""
    persons = {line.agreement.person_id: line.agreement.person for line in lines}
    records = records_of(list(persons.values()))
    insured = {pid: [r for r in found if r.source == Source.INSURANCE] for pid, found in records.items()}
    return {line.pk: _line_flags(line, insured.get(line.agreement.person_id, [])) for line in lines}


def agreement_blocks(agreements: Sequence[Agreement]) -> dict[int, list[engine.Reason]]:
    """R-EL-7: why each internship's subsidy may not be approved (agreements with ``person``)."""
    unique = list({a.pk: a for a in agreements}.values())
    reasons = subsidy_blocks([(a.person, a.start) for a in unique])
    return {a.pk: r for a, r in zip(unique, reasons, strict=True)}


def decided_codes(lines: Sequence[ClaimLine]) -> dict[int, set[str]]:
    """The signal codes an officer has recorded a decision on, per line (one query)."""
    decided: dict[int, set[str]] = defaultdict(set)
    for line_id, codes in FlagDecision.objects.filter(line__in=lines).values_list("line_id", "codes"):
        decided[line_id].update(c for c in codes.split(",") if c)
    return decided


def undecided(lines: Sequence[ClaimLine]) -> dict[int, list[Flag]]:
    """The lines with a signal no decision covers yet."""
    flags = line_flags(lines)
    decided = decided_codes([line for line in lines if flags.get(line.pk)])
    return {
        line_id: [f for f in found if f.code not in decided.get(line_id, set())]
        for line_id, found in flags.items()
        if any(f.code not in decided.get(line_id, set()) for f in found)
    }
