"""The aggregates equal a recount from the raw rows after any mix of changes made through the services.

Each example runs a random sequence of what happens in a year — posts published, agreements
confirmed, ended and retained, claims approved, batches paid, recoveries repaid — through the
services, on a clock that moves forward, with the after-commit refresh of the changed months
(no scheduled job). Then the aggregates must equal a recount written here in plain Python from
the raw rows; and a full ``refresh_stats`` must change nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jianxi.accounts.scoping import scoped
from jianxi.core.errors import RuleError
from jianxi.oversight import refresh
from jianxi.oversight.models import (
    COUNTS,
    MONEY,
    PLACEMENT_COUNTS,
    DailyStat,
    MonthlyDistrictStat,
    MonthlyStat,
    UniversityMonthlyStat,
)
from jianxi.oversight.selectors import retention_to_date
from jianxi.placements import outcomes
from jianxi.placements import services as placements
from jianxi.placements.models import Agreement, AgreementStatus, Attendance, Outcome
from jianxi.placements.outcomes import retention_rates
from jianxi.policy.engine import add_months
from jianxi.policy.engine.dates import month_first, month_last
from jianxi.posts import services as posts
from jianxi.posts.models import Post, PostStatus
from jianxi.subsidies import recovery as recoveries
from jianxi.subsidies import services as subsidies
from jianxi.subsidies.models import Claim, ClaimStatus, EntryKind, LedgerEntry, LineStatus
from tests.factories import PersonFactory, PostFactory, UserFactory, district, university
from tests.subsidies.conftest import attend

BEIJING = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2024, 1, 2)

ops = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.integers(0, 1), st.integers(1, 4)),
        st.tuples(st.just("start"), st.integers(0, 20), st.integers(0, 25), st.integers(3, 6), st.booleans()),
        st.tuples(st.just("end"), st.integers(0, 20), st.sampled_from(list(Outcome))),
        st.tuples(st.just("retain"), st.integers(0, 20), st.booleans()),
        st.tuples(st.just("claim"), st.integers(0, 20)),
        st.tuples(st.just("pay"), st.integers(0, 1)),
        st.tuples(st.just("recover"), st.integers(0, 20), st.integers(1, 99), st.integers(1, 100)),
    ).flatmap(lambda op: st.tuples(st.integers(0, 45), st.just(op))),
    min_size=3,
    max_size=14,
)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10), BEIJING), tick=False):
        yield


class Year:
    """The world's two hosts and their officers, acting through the services."""

    def __init__(self, world: Any) -> None:
        self.w = world
        self.hosts = [(world.our_host, world.host_staff, world.district_officer)]
        self.hosts.append((world.other_host, world.other_host_staff, world.other_district_officer))

    def do(self, op: tuple[Any, ...], today: date) -> None:
        kind, *args = op
        getattr(self, kind)(today, *args)

    def post(self, today: date, which: int, headcount: int) -> None:
        host, _, officer = self.hosts[which]
        post = PostFactory(host=host, headcount=headcount, status=PostStatus.SUBMITTED, published_at=None)
        posts.post_review(actor=officer, post_id=post.pk, approve=True)

    def start(self, today: date, which: int, offset: int, months: int, graduate: bool) -> None:
        published = list(Post.objects.filter(status=PostStatus.PUBLISHED).order_by("pk"))
        if not published:
            return
        post = published[which % len(published)]
        start = today + timedelta(days=offset)
        youth = UserFactory(role="youth")
        person = PersonFactory(user=youth, university=university("10001") if graduate else None)
        agreement = Agreement.objects.create(
            post=post,
            host=post.host,
            person=person,
            start=start,
            end=add_months(start, months) - timedelta(days=1),
            allowance=Decimal("3000.00"),
            mentor="王老师",
            training_date=start,
            insurance_policy="PICC-2024-0001",
            eligibility_rule="R-EL-1",
            host_confirmed_at=datetime.combine(today, time(9), BEIJING),
        )
        placements.agreement_confirm(actor=youth, agreement_id=agreement.pk)

    def _agreement(self, which: int, *statuses: str) -> Agreement | None:
        found = list(Agreement.objects.filter(status__in=statuses).order_by("pk"))
        return found[which % len(found)] if found else None

    def _staff(self, agreement: Agreement) -> Any:
        return next(staff for host, staff, _ in self.hosts if host.pk == agreement.host_id)

    def end(self, today: date, which: int, outcome: str) -> None:
        agreement = self._agreement(which, AgreementStatus.ACTIVE)
        if agreement is None:
            return
        last = agreement.end if outcome == Outcome.COMPLETED else min(today, agreement.end - timedelta(days=1))
        hired = outcome == Outcome.HIRED
        ending = outcomes.Ending(
            outcome=outcome,
            ended_on=last,
            reason="个人原因",
            contract_start=last + timedelta(days=1) if hired else None,
            contract_months=12 if hired else None,
        )
        outcomes.agreement_end(actor=self._staff(agreement), agreement_id=agreement.pk, ending=ending, today=today)

    def retain(self, today: date, which: int, kept: bool) -> None:
        agreement = self._agreement(which, AgreementStatus.ENDED)
        if agreement is not None:
            outcomes.agreement_retention(actor=self._staff(agreement), agreement_id=agreement.pk, retained=kept)

    def claim(self, today: date, which: int) -> None:
        agreement = self._agreement(which, AgreementStatus.ACTIVE)
        if agreement is None:
            return
        month = month_first(agreement.start)
        while month < month_first(today) and month <= agreement.end:
            if not Attendance.objects.filter(agreement=agreement, month=month).exists():
                attend(agreement, month)
            month = add_months(month, 1)
        staff = self._staff(agreement)
        claim = subsidies.claim_prepare(
            actor=staff, host_id=agreement.host_id, today=today, agreement_ids=[agreement.pk]
        )
        if claim is None:
            return
        subsidies.claim_submit(actor=staff, claim_id=claim.pk)
        officer = next(o for host, _, o in self.hosts if host.pk == agreement.host_id)
        subsidies.claim_review(actor=officer, claim_id=claim.pk, review=subsidies.Review(approve=True), today=today)

    def pay(self, today: date, which: int) -> None:
        hosts = self.hosts[which:] + self.hosts[:which]
        for host, _, officer in hosts:
            claims = list(Claim.objects.filter(host=host, status=ClaimStatus.APPROVED).values_list("pk", flat=True))
            if not claims:
                continue
            batch = subsidies.batch_create(actor=officer, claim_ids=claims)
            subsidies.batch_mark_paid(actor=officer, batch_id=batch.pk, paid_on=today, reference=f"PAY-{batch.pk}")
            return

    def recover(self, today: date, which: int, percent: int, repaid_percent: int) -> None:
        paid = list(Claim.objects.filter(status=ClaimStatus.PAID).order_by("pk"))
        if not paid:
            return
        claim = paid[which % len(paid)]
        officer = next(o for host, _, o in self.hosts if host.pk == claim.host_id)
        amount = (claim.approved_total * percent / 100).quantize(Decimal("0.01"))
        order = recoveries.recovery_create(
            actor=officer,
            host_id=claim.host_id,
            claim_ids=[claim.pk],
            amount=amount,
            reason="R",
            bar=False,
            today=today,
        )
        repaid = max((amount * repaid_percent / 100).quantize(Decimal("0.01")), Decimal("0.01"))
        recoveries.repayment_record(actor=officer, recovery_id=order.pk, amount=repaid, paid_on=today, reference="R")


# --- the recount -------------------------------------------------------------------------------


def fen(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def recount() -> dict[str, dict[tuple[Any, ...], dict[str, int]]]:
    """Every aggregate, counted in Python from the raw rows by the definitions in models.py."""
    fine: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    days: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unis: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def dims(post: Post) -> tuple[Any, ...]:
        return (post.host.district_id, post.department_id, post.category_id, post.host.host_type)

    for post in Post.objects.filter(published_at__isnull=False).select_related("host"):
        day = post.published_at.astimezone(BEIJING).date()
        fine[(month_first(day), *dims(post))]["posts"] += 1
        fine[(month_first(day), *dims(post))]["headcount"] += post.headcount
        days[(day, post.host.district_id, post.department_id)]["posts"] += 1
        days[(day, post.host.district_id, post.department_id)]["headcount"] += post.headcount
    placed = Agreement.objects.filter(status__in=(AgreementStatus.ACTIVE, AgreementStatus.ENDED))
    for a in placed.select_related("post__host", "person"):
        d = dims(a.post)
        uni = (a.person.university_id, a.post.host.district_id, a.post.category_id)
        events = [(month_first(a.start), "placements")]
        month = month_first(a.start)
        while month <= a.last_day:
            if a.start <= month_last(month) <= a.last_day:
                events.append((month, "in_internship"))
            month = add_months(month, 1)
        if a.status == AgreementStatus.ENDED:
            events.append((month_first(a.ended_on), a.outcome))
            if a.retained:
                events.append((month_first(a.ended_on), "retained"))
        for month, measure in events:
            fine[(month, *d)][measure] += 1
            if a.person.university_id is not None:
                unis[(month, *uni)][measure] += 1
        days[(a.start, a.post.host.district_id, a.post.department_id)]["placements"] += 1
    for entry in LedgerEntry.objects.filter(kind__in=(EntryKind.APPROVED, EntryKind.PAID)):
        for line in entry.claim.lines.filter(status=LineStatus.APPROVED).select_related("agreement__post__host"):
            row = fine[(month_first(entry.occurred_on), *dims(line.agreement.post))]
            row[f"{entry.kind}_city"] += fen(line.city) + fen(line.addons)
            row[f"{entry.kind}_district"] += fen(line.district)
    for entry in LedgerEntry.objects.filter(kind=EntryKind.RECOVERED):
        lines = [
            line
            for claim in entry.recovery.claims.all()
            for line in claim.lines.filter(status=LineStatus.APPROVED).select_related("agreement__post__host")
        ]
        lines.sort(key=lambda line: (-line.amount, line.pk))
        repaid, total = fen(entry.amount), sum(fen(line.amount) for line in lines)
        parts = [repaid * fen(line.amount) // total for line in lines]
        parts[0] += repaid - sum(parts)  # the fen the rounding left, to the largest line
        for line, part in zip(lines, parts, strict=True):
            amount = fen(line.amount)
            district_part = 0 if amount == 0 else int(Decimal(part * fen(line.district)) / amount + Decimal("0.5"))
            row = fine[(month_first(entry.occurred_on), *dims(line.agreement.post))]
            row["recovered_city"] += part - district_part
            row["recovered_district"] += district_part
    return {"fine": _clean(fine), "days": _clean(days), "unis": _clean(unis)}


def _clean(table: dict[tuple[Any, ...], dict[str, int]]) -> dict[tuple[Any, ...], dict[str, int]]:
    out = {key: {m: v for m, v in values.items() if v} for key, values in table.items()}
    return {key: values for key, values in out.items() if values}


def aggregates() -> dict[str, dict[tuple[Any, ...], dict[str, int]]]:
    fine = {
        (r["month"], r["district_id"], r["department_id"], r["category_id"], r["host_type"]): {
            m: r[m] for m in (*COUNTS, *MONEY)
        }
        for r in MonthlyStat.objects.values()
    }
    days = {
        (r["day"], r["district_id"], r["department_id"]): {m: r[m] for m in ("posts", "headcount", "placements")}
        for r in DailyStat.objects.values()
    }
    unis = {
        (r["month"], r["university_id"], r["district_id"], r["category_id"]): {m: r[m] for m in PLACEMENT_COUNTS}
        for r in UniversityMonthlyStat.objects.values()
    }
    rolled: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (month, district_id, department_id, *_), values in fine.items():
        for m, v in values.items():
            rolled[(month, district_id, department_id)][m] += v
    rollup = {
        (r["month"], r["district_id"], r["department_id"]): {m: r[m] for m in (*COUNTS, *MONEY)}
        for r in MonthlyDistrictStat.objects.values()
    }
    assert _clean(rollup) == _clean(rolled)
    return {"fine": _clean(fine), "days": _clean(days), "unis": _clean(unis)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_aggregates_refreshed_after_each_change_equal_a_recount_from_the_raw_rows(
    world, django_capture_on_commit_callbacks, steps
):
    world.our_host.host_type = "tech_enterprise"
    world.our_host.save()
    year, today = Year(world), FIRST_DAY
    with transaction.atomic():
        # Something to act on from the first step: two posts of each host, three placements.
        with on(today), django_capture_on_commit_callbacks(execute=True):
            for op in [("post", 0, 3), ("post", 1, 2), ("post", 0, 1), ("post", 1, 4)]:
                year.do(op, today)
            for op in [("start", 0, 0, 3, True), ("start", 1, 5, 4, False), ("start", 2, 12, 6, True)]:
                year.do(op, today)
        for gap, op in steps:
            today = min(today + timedelta(days=gap), date(2024, 12, 20))
            with on(today), django_capture_on_commit_callbacks(execute=True):
                try:
                    with transaction.atomic():
                        year.do(op, today)
                except RuleError:
                    pass  # a step the rules refuse (too early to end, nothing claimable …) changes nothing
        counted = recount()
        assert aggregates() == counted
        # The officers' home shows the retention rate from the aggregates: it equals the raw count.
        for officer in (world.district_officer, world.other_district_officer, world.department_officer):
            raw = retention_rates(scoped(officer, Agreement.objects.all()))[None]
            assert retention_to_date(officer) == raw
        refresh.refresh_all(today=today)
        assert aggregates() == counted
        transaction.set_rollback(True)
    assert district("110108").pk  # the reference data survives the rollback
