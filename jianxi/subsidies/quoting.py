"""How every subsidy amount is computed: an agreement's facts → the policy engine → claim-line values.

One path for all of them: drafting (a host's "prepare claim" and the monthly run, run.py), the
officer's review (recomputed with the data in force), remaining-period claims (remaining.py)
and the differences shown before approval. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from jianxi.placements.models import Agreement, AgreementStatus, Attendance, Outcome
from jianxi.placements.outcomes import retention_rates
from jianxi.policy import engine
from jianxi.policy.selectors import engine_policy, work_calendar
from jianxi.policy.workcal import WorkCalendar
from jianxi.subsidies.models import Claim, ClaimKind, ClaimLine


class AgreementFacts(Protocol):
    """What a quote reads of an agreement: a model instance, or a lighter row in bulk runs."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...
    @property
    def status(self) -> str: ...
    @property
    def ended_on(self) -> date | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def contract_start(self) -> date | None: ...
    @property
    def contract_months(self) -> int | None: ...
    @property
    def contract_signed(self) -> date | None: ...
    @property
    def insured_months(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """The fields a quote reads, loaded as plain values: no model instances in a city-scale run."""

    start: date
    end: date
    status: str
    ended_on: date | None
    outcome: str
    contract_start: date | None
    contract_months: int | None
    contract_signed: date | None
    insured_months: str


FACT_FIELDS: tuple[str, ...] = AgreementRow.__slots__


def early_end_of(agreement: AgreementFacts, employed_through: date | None = None) -> engine.EarlyEnd | None:
    """The engine's early-end facts of an agreement that ended before its agreed end, else None."""
    if agreement.status != AgreementStatus.ENDED or agreement.ended_on is None or agreement.ended_on >= agreement.end:
        return None
    hired = agreement.outcome == Outcome.HIRED
    return engine.early_end(
        agreement.ended_on,
        "hired" if hired else "other",
        contract_start=agreement.contract_start if hired and agreement.contract_months else None,
        contract_months=agreement.contract_months,
        insured_months=[m for m in agreement.insured_months.split(",") if m],
        employed_through=employed_through,
        contract_signed=agreement.contract_signed if hired else None,
    )


def quote_for(
    agreement: AgreementFacts,
    *,
    attendance: Mapping[str, int],
    as_of: date,
    employed_through: date | None = None,
    district_code: str | None = None,
    only_months: Iterable[date] | None = None,
    policy: engine.Policy | None = None,
    calendar: WorkCalendar | None = None,
    retention_rate: Decimal | None = None,
    paid_by_month: Mapping[str, Decimal] | None = None,
) -> engine.Quote:
    """The engine's quote for an agreement, from the data in force now (``only_months``: claims).

    ``policy`` and ``calendar``: the values in force, when the caller (a claim run) has already
    looked them up for many agreements at once.
    """
    return engine.subsidy_quote(
        only_months=None if only_months is None else {engine.month_key(m) for m in only_months},
        policy=engine_policy(agreement.start) if policy is None else policy,
        calendar=work_calendar(range(agreement.start.year, agreement.end.year + 1)) if calendar is None else calendar,
        district=district_code or agreement.host.district.code,  # type: ignore[attr-defined]
        start=agreement.start,
        end=agreement.end,
        attendance=attendance,
        ended_early=early_end_of(agreement, employed_through),
        as_of=as_of,
        retention_rate=retention_rate,
        paid_by_month=paid_by_month,
    )


def retention_of(*, on: date, host_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """R-SUB-8: each host's retention rate (留用率) over its internships ended by ``on``, in one query.

    What a retention tier is reached with; a host with no ended internship has no rate (and so
    the policy's base standard).
    """
    agreements = Agreement.objects.filter(ended_on__lte=on)
    if host_ids is not None:
        agreements = agreements.filter(host_id__in=list(host_ids))
    rates = retention_rates(agreements, by="host")
    return {host: rate for host, r in rates.items() if (rate := r.fraction) is not None}


@dataclass
class Recorded:
    """What the attendance records of one internship say, per "YYYY-MM"."""

    attendance: dict[str, int] = field(default_factory=dict)
    paid: dict[str, Decimal] = field(default_factory=dict)  # allowance paid, where recorded (R-SUB-8 cap)


def recorded_months(agreement_ids: Iterable[int]) -> dict[int, Recorded]:
    """Attended days and allowances paid per agreement and month, in one query."""
    recorded: dict[int, Recorded] = defaultdict(Recorded)
    rows = Attendance.objects.filter(agreement_id__in=list(agreement_ids))
    for agreement_id, first, days, paid in rows.values_list("agreement_id", "month", "attended_days", "allowance_paid"):
        key = engine.month_key(first)
        recorded[agreement_id].attendance[key] = days
        if paid is not None:
            recorded[agreement_id].paid[key] = paid
    return recorded


@dataclass(frozen=True)
class InForce:
    """The policy and calendar of every agreement to quote, looked up before any computing.

    One lookup per distinct start date and span of years, and one version of the policy data
    for the whole batch; afterwards the engine's work needs no database.
    """

    policies: dict[date, engine.Policy]
    calendars: dict[tuple[int, int], WorkCalendar]
    retention: dict[int, Decimal]  # per host, for retention tiers (R-SUB-8)

    @classmethod
    def of(cls, spans: Iterable[tuple[date, date]], today: date, host_ids: Iterable[int] | None = None) -> InForce:
        """For agreements of these (start, end) spans; ``host_ids``: the hosts whose retention counts."""
        spans = set(spans)
        policies = {start: engine_policy(start) for start in {start for start, _ in spans}}
        tiered = any(policy.retention_tiers for policy in policies.values())
        return cls(
            policies=policies,
            calendars={
                (first, last): work_calendar(range(first, last + 1))
                for first, last in {(start.year, end.year) for start, end in spans}
            },
            retention=retention_of(on=today, host_ids=host_ids) if tiered else {},
        )


# The engine's figures of one claim line, in the order of the line's columns (run.LINE_COLUMNS
# ends with them; tests/subsidies/test_claim_run.py checks both against the model).
LINE_FIGURES: tuple[str, ...] = (
    "working_days", "scheduled_days", "attended_days", "rate", "city", "addons", "district", "amount", "rules",
)  # fmt: skip


def line_values(line: engine.MonthLine) -> dict[str, Any]:
    """A claim line's figures from the engine's month line, keyed and ordered by ``LINE_FIGURES``."""
    return {name: " ".join(line.rules) if name == "rules" else getattr(line, name) for name in LINE_FIGURES}


def requote(
    lines: Iterable[tuple[Agreement, date]], *, host_id: int, today: date
) -> dict[tuple[int, date], engine.MonthLine]:
    """Monthly lines as the data in force now gives them (rates or calendar may have been corrected),
    by (agreement, month): the review's recomputation and the differences shown before it."""
    agreements: dict[int, Agreement] = {}
    claimed: dict[int, list[date]] = defaultdict(list)
    for agreement, month in lines:
        agreements[agreement.pk] = agreement
        claimed[agreement.pk].append(month)
    recorded = recorded_months(agreements)
    retention = retention_of(on=today, host_ids=[host_id]).get(host_id)
    result = {}
    for agreement_id, agreement in agreements.items():
        quote = quote_for(
            agreement,
            attendance=recorded[agreement_id].attendance,
            paid_by_month=recorded[agreement_id].paid,
            as_of=today,
            only_months=claimed[agreement_id],
            retention_rate=retention,
        )
        for m in quote.months:
            result[(agreement_id, date.fromisoformat(m.month + "-01"))] = m
    return result


def remaining_verdict(claim: Claim, today: date) -> engine.RemainingPeriod | None:
    """The engine's verdict for a remaining-period claim, from the data in force now."""
    if claim.agreement is None:
        return None
    agreement = claim.agreement
    recorded = recorded_months([agreement.pk])[agreement.pk]
    quote = quote_for(
        agreement,
        attendance=recorded.attendance,
        paid_by_month=recorded.paid,
        as_of=today,
        employed_through=claim.employed_through,
        retention_rate=retention_of(on=today, host_ids=[claim.host_id]).get(claim.host_id),
    )
    return quote.remaining_period


def recompute(claim: Claim, lines: Iterable[ClaimLine], today: date) -> dict[tuple[int, date], engine.MonthLine]:
    """A claim's lines as the data in force now gives them, by (agreement, month): what the review
    approves and the differences shown before it."""
    if claim.kind == ClaimKind.REMAINING:
        verdict = remaining_verdict(claim, today)
        agreement_id = claim.agreement_id or 0
        months = verdict.months if verdict else ()
        return {(agreement_id, date.fromisoformat(m.month + "-01")): m for m in months}
    return requote(((line.agreement, line.month) for line in lines), host_id=claim.host_id, today=today)
