"""The internship subsidy (见习补贴), month by month, with the rules behind every figure.

R-SUB-1 standard, R-SUB-2 district top-up, R-SUB-3 proration, R-SUB-5 remaining period,
R-SUB-8 the shapes other places give the formula. Amounts are rounded half-up to the fen
once per figure of a month line; totals are sums of rounded figures, so a clerk adding up
the printed lines gets the printed total.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from jianxi.core.errors import RuleError
from jianxi.core.i18n import gettext as _
from jianxi.core.money import ZERO, round_fen

from .agreement import agreement_period_check
from .dates import (
    ONE_DAY,
    days_in_month,
    full_months_served,
    month_key,
    month_last,
    month_segments,
    months_between,
    parse_month_key,
)
from .values import (
    EARLY_END_REASONS,
    Contract,
    EarlyEnd,
    MonthLine,
    Policy,
    Quote,
    RatePoint,
    Reason,
    RemainingPeriod,
    Tier,
    rate_in_force,
)

if TYPE_CHECKING:
    # Type only: the engine takes any calendar value and imports nothing outside stdlib/core.
    from jianxi.policy.workcal import WorkCalendar

_HUNDRED = Decimal(100)
# Proration's one inexact step (a division) runs at a known precision, whatever the caller's
# decimal context says; a context object of our own also spares a context switch per figure.
_DIVISION = Context(prec=28)
# A claim run asks for the same month line (same month, days and district) many thousands of
# times; each formula keeps what it computed, up to this many lines.
_MEMO_LINES = 20_000


def subsidy_quote(
    *,
    policy: Policy,
    calendar: WorkCalendar,
    district: str,
    start: date,
    end: date,
    attendance: Mapping[str, int],
    ended_early: EarlyEnd | None = None,
    as_of: date,
    retention_rate: Decimal | None = None,
    paid_by_month: Mapping[str, Decimal] | None = None,
    only_months: Collection[str] | None = None,
) -> Quote:
    """What the host of an internship from ``start`` to ``end`` is owed, month by month.

    ``attendance`` maps ``YYYY-MM`` to attended days; a month not listed counts as fully
    attended. ``district`` is a key of ``policy.district_topups``; any other district simply
    has no top-up (the caller validates district codes). ``as_of`` is the claim date, which
    matters only for the remaining period (R-SUB-5).

    ``only_months`` (claims): compute just these months of the internship, and need the
    calendar only for their years — a claim for this autumn must not wait for next year's
    holiday schedule. The remaining period is then not computed, and the totals cover only
    the months returned.
    """
    agreement_period_check(start=start, end=end, policy=policy)
    last_day = end
    if ended_early is not None:
        _early_end_check(ended_early, start=start, end=end)
        last_day = ended_early.date
    formula = _formula(policy, calendar, district, _tier_reached(policy, retention_rate))
    if only_months is not None:
        segments = _segments_of(only_months, start=start, last_day=last_day)
        formula.calendar_check({first.year for first, _last in segments})
        keyed = tuple((month_key(first), first, last) for first, last in segments)
        scheduled = {key: formula.scheduled(first, last) for key, first, last in keyed}
        # Facts of the months not asked about, inside the period or not, are not read.
        attendance = {key: days for key, days in attendance.items() if key in scheduled}
        if paid_by_month is not None:
            paid_by_month = {key: paid for key, paid in paid_by_month.items() if key in scheduled}
        short = policy.min_months_served > 0 and full_months_served(start, last_day) < policy.min_months_served
        zero_rule = "R-SUB-8.min_months" if short else None
    else:
        formula.calendar_years_check(start.year, end.year)
        keyed, scheduled, zero_rule = formula.period(start, last_day)
    attended = _attendance(attendance, scheduled, formula, start=start, last_day=last_day)
    caps = _caps(policy, paid_by_month, scheduled, start=start, last_day=last_day)
    # formula.line, with its memo looked up here: most lines of a claim run or a page are known.
    known, lines = formula._lines, []
    for key, first, last in keyed:
        days, cap = attended[key], caps.get(key) if caps else None
        line = known.get((first, last, days, cap, zero_rule, ()))
        if line is None:
            line = formula.line(first, last, attended=days, cap=cap, zero_rule=zero_rule)
        lines.append(line)
    months = tuple(lines)
    internship_total = sum((line.amount for line in months), ZERO)

    remaining = None
    if ended_early is not None and only_months is None:
        remaining = _remaining_period(formula, early=ended_early, start=start, end=end, last_day=last_day, as_of=as_of)
    total = internship_total + (remaining.total if remaining is not None else ZERO)
    return Quote(months=months, internship_total=internship_total, remaining_period=remaining, total=total)


def _segments_of(months: Collection[str], *, start: date, last_day: date) -> list[tuple[date, date]]:
    """The parts of ``[start, last_day]`` in the given ``YYYY-MM`` months, in order; others are skipped."""
    segments = []
    for key in sorted(set(months)):
        parsed = parse_month_key(key) if isinstance(key, str) else None
        if parsed is None:
            continue
        first = date(parsed[0], parsed[1], 1)
        segment = (max(first, start), min(month_last(first), last_day))
        if segment[0] <= segment[1]:
            segments.append(segment)
    return segments


def _formula(policy: Policy, calendar: WorkCalendar, district: str, tier: Tier | None) -> _Formula:
    """One formula per (policy, calendar, district, tier), so its memo of lines serves many quotes.

    Found first by the identity of the policy and calendar objects — hashing a policy or a
    calendar by value walks all its fields, which cost more than a memoised quote — and the
    formula found is checked to hold those very objects (an id is only reused once its object
    is gone, and the formula keeps them alive). Otherwise by value.
    """
    key = (id(policy), id(calendar), district, tier)
    found = _BY_IDENTITY.get(key)
    if found is not None and found.policy is policy and found.calendar is calendar:
        return found
    found = _formula_by_value(policy, calendar, district, tier)
    if len(_BY_IDENTITY) >= 256:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[key] = found
    return found


@lru_cache(maxsize=256)
def _formula_by_value(policy: Policy, calendar: WorkCalendar, district: str, tier: Tier | None) -> _Formula:
    """Keyed by value (policies and calendars are frozen and compare by value), so an edited
    policy is a new key and can never be answered from a formula of the old one."""
    scheduled, periods = _shared_memos(calendar)
    return _Formula(
        policy=policy,
        calendar=calendar,
        topups=policy.district_topups.get(district, ()),
        tier=tier,
        _scheduled=scheduled,
        _periods=periods,
    )


@lru_cache(maxsize=64)
def _shared_memos(calendar: WorkCalendar) -> tuple[dict[tuple[date, date], int], dict[tuple[object, ...], Skeleton]]:
    """The memos every formula of one calendar shares (the days scheduled, the periods' months),
    whatever its district or tier: those depend on the calendar alone."""
    return {}, {}


_BY_IDENTITY: dict[tuple[int, int, str, Tier | None], _Formula] = {}
Months = tuple[tuple[str, date, date], ...]
Skeleton = tuple[Months, dict[str, int], str | None]
Figures = tuple[Decimal, Decimal, Decimal, Decimal, tuple[str, ...]]


@dataclass(frozen=True)
class _Formula:
    """The month-line formula of quotes, with the per-quote choices already resolved."""

    policy: Policy
    calendar: WorkCalendar
    topups: tuple[RatePoint, ...]
    tier: Tier | None
    # Month lines already computed: a line is a pure function of its arguments and the fields above.
    _lines: dict[tuple[object, ...], MonthLine] = field(default_factory=dict, compare=False, hash=False, repr=False)
    _scheduled: dict[tuple[date, date], int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    _periods: dict[tuple[object, ...], Skeleton] = field(default_factory=dict, compare=False, hash=False, repr=False)
    _covered: set[tuple[int, int]] = field(default_factory=set, compare=False, hash=False, repr=False)
    _months: dict[date, tuple[int, Decimal, tuple[str, ...], Decimal]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    _figures: dict[tuple[object, ...], Figures] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def by_calendar_days(self) -> bool:
        return self.policy.proration == "calendar_days"

    @property
    def day_unit(self) -> str:
        return "天" if self.by_calendar_days else "个工作日"

    def calendar_check(self, years: Iterable[int]) -> None:
        if self.by_calendar_days:
            return
        for year in sorted(years):
            if not self.calendar.is_covered(year):
                raise RuleError(
                    "R-SUB-3.calendar",
                    _(
                        "工作日历尚未覆盖 %(year)s 年（法定节假日和调休安排），无法按工作日折算，"
                        "请先维护该年度日历（R-SUB-3）"
                    )
                    % {"year": year},
                    field=None,
                )

    def calendar_years_check(self, first: int, last: int) -> None:
        """``calendar_check`` of the years ``first`` to ``last``, remembered once it passed."""
        if (first, last) not in self._covered:
            self.calendar_check(range(first, last + 1))
            self._covered.add((first, last))

    def period(self, start: date, last_day: date) -> Skeleton:
        """What every quote of the period ``[start, last_day]`` shares, computed once for the
        calendar: its months (key, first, last), the days scheduled in each, and the rule that
        zeroes a period too short (R-SUB-8) — pure functions of the period and the calendar."""
        policy = self.policy
        key = (start, last_day, policy.min_months_served, policy.proration)
        skeleton = self._periods.get(key)
        if skeleton is None:
            keyed = tuple((month_key(first), first, last) for first, last in month_segments(start, last_day))
            scheduled = {k: self.scheduled(first, last) for k, first, last in keyed}
            short = policy.min_months_served > 0 and full_months_served(start, last_day) < policy.min_months_served
            if len(self._periods) >= _MEMO_LINES:
                self._periods.clear()
            skeleton = self._periods[key] = (keyed, scheduled, "R-SUB-8.min_months" if short else None)
        return skeleton

    def divisor(self, day: date) -> int:
        """Days of the calendar month a full month's standard is spread over (R-SUB-3)."""
        if self.by_calendar_days:
            return days_in_month(day)
        return self.calendar.working_days_in_month(day.year, day.month)

    def scheduled(self, first: date, last: date) -> int:
        if self.by_calendar_days:
            return (last - first).days + 1
        days = self._scheduled.get((first, last))
        if days is None:
            if len(self._scheduled) >= _MEMO_LINES:
                self._scheduled.clear()
            days = self._scheduled[first, last] = self.calendar.working_days_between(first, last)
        return days

    def rate(self, first: date) -> tuple[Decimal, list[str]]:
        """R-SUB-1: the monthly standard in force on the month's first day in the period."""
        min_wage = rate_in_force(self.policy.min_wage, first)
        if min_wage is None:
            raise RuleError(
                "R-SUB-1.no_rate",
                _("%(first)s 没有已生效的最低工资标准，无法确定见习补贴标准（R-SUB-1）") % {"first": first},
                field="start",
            )
        if self.tier is not None:
            return round_fen(self.tier.amount), ["R-SUB-8.tier"]
        percent = self.policy.percent_of_min_wage
        rules = [] if percent == _HUNDRED else ["R-SUB-8.percent"]
        return round_fen(min_wage * percent / _HUNDRED), rules

    def line(
        self,
        first: date,
        last: date,
        *,
        attended: int,
        cap: Decimal | None,
        zero_rule: str | None = None,
        extra_rules: tuple[str, ...] = (),
    ) -> MonthLine:
        """One month: ``[first, last]`` lies inside a single calendar month.

        ``zero_rule`` names the rule that makes the month pay nothing while still showing the
        would-be rate and days.
        """
        key = (first, last, attended, cap, zero_rule, extra_rules)
        found = self._lines.get(key)
        if found is None:
            found = self._line(first, last, attended=attended, cap=cap, zero_rule=zero_rule, extra_rules=extra_rules)
            if len(self._lines) >= _MEMO_LINES:
                self._lines.clear()
            self._lines[key] = found
        return found

    def _month_facts(self, first: date) -> tuple[int, Decimal, tuple[str, ...], Decimal]:
        """The divisor, the standard (and its rules) and the district top-up of the month whose
        part in the period starts on ``first``: pure functions of the date, remembered."""
        facts = self._months.get(first)
        if facts is None:
            rate, rules = self.rate(first)
            topup = rate_in_force(self.topups, first) or ZERO
            facts = self._months[first] = (self.divisor(first), rate, tuple(rules), topup)
        return facts

    def _line(
        self,
        first: date,
        last: date,
        *,
        attended: int,
        cap: Decimal | None,
        zero_rule: str | None,
        extra_rules: tuple[str, ...],
    ) -> MonthLine:
        divisor, rate, rate_rules, topup = self._month_facts(first)
        if self.policy.proration == "none":
            # Any attended day pays the whole month.
            numerator, denominator = (1 if attended > 0 else 0), 1
        else:
            # A month with no working day at all (only on a hand-made calendar) pays nothing.
            numerator, denominator = (attended, divisor) if divisor else (0, 1)
        key = (rate, rate_rules, topup, numerator, denominator, cap, zero_rule, extra_rules)
        figures = self._figures.get(key)
        if figures is None:
            if len(self._figures) >= _MEMO_LINES:
                self._figures.clear()
            figures = self._figures[key] = self._figures_of(
                rate, list(rate_rules), topup, numerator, denominator, cap, zero_rule, extra_rules
            )
        city, addons, district, amount, rules = figures
        return MonthLine(
            month=month_key(first),
            working_days=divisor,
            scheduled_days=self.scheduled(first, last),
            attended_days=attended,
            rate=rate,
            city=city,
            addons=addons,
            district=district,
            amount=amount,
            rules=rules,
        )

    def _figures_of(
        self,
        rate: Decimal,
        rules: list[str],
        topup: Decimal,
        numerator: int,
        denominator: int,
        cap: Decimal | None,
        zero_rule: str | None,
        extra_rules: tuple[str, ...],
    ) -> Figures:
        """A line's money and rules from its standard, top-up and prorating fraction (pure)."""
        rules += ["R-SUB-1", "R-SUB-3", *extra_rules]
        addon_total = sum((addon.amount for addon in self.policy.addons), ZERO)
        if self.policy.proration == "none" or self.by_calendar_days:
            rules.append("R-SUB-8.proration")
        city = _prorate(rate, numerator, denominator)
        if cap is not None and city > cap:
            city = round_fen(cap)
            rules.append("R-SUB-8.cap")
        addons = _prorate(addon_total, numerator, denominator)
        if self.policy.addons:
            rules.append("R-SUB-8.addons")
        district = _prorate(topup, numerator, denominator)
        if topup > 0:
            rules.append("R-SUB-2")
        if zero_rule is not None:
            city = addons = district = ZERO
            rules.append(zero_rule)
        return city, addons, district, city + addons + district, tuple(sorted(set(rules)))


def _prorate(amount: Decimal, numerator: int, denominator: int) -> Decimal:
    # Multiply before dividing so the only inexact step is one division.
    return round_fen(_DIVISION.divide(_DIVISION.multiply(amount, numerator), denominator))


def _tier_reached(policy: Policy, retention_rate: Decimal | None) -> Tier | None:
    """R-SUB-8: the highest retention tier the host reaches, if any."""
    if retention_rate is None:
        return None
    if not isinstance(retention_rate, Decimal) or not (0 <= retention_rate <= 1):
        raise RuleError(
            "retention_rate",
            _("留用率应为 0 至 1 之间的小数，现为 %(retention_rate)s") % {"retention_rate": retention_rate},
            field="retention_rate",
        )
    reached = [tier for tier in policy.retention_tiers if retention_rate >= tier.min_retention]
    return reached[-1] if reached else None  # tiers are sorted ascending


def _early_end_check(early: EarlyEnd, *, start: date, end: date) -> None:
    if early.reason not in EARLY_END_REASONS:
        raise RuleError(
            "ended_early.reason",
            _("未知的提前结束原因：%(reason)s") % {"reason": early.reason},
            field="ended_early.reason",
        )
    if not start <= early.date < end:
        raise RuleError(
            "ended_early.date",
            _("提前结束日期 %(date)s 应不早于见习开始日期 %(start)s，且早于原结束日期 %(end)s")
            % {"date": early.date, "start": start, "end": end},
            field="ended_early.date",
        )


def _month_inside_check(
    key: object, months: Mapping[str, int], *, code: str, what: str, start: date, last_day: date
) -> str:
    if isinstance(key, str) and key in months:  # the months' keys are well formed
        return key
    if not isinstance(key, str) or parse_month_key(key) is None:
        raise RuleError(
            code, _("%(what)s的月份应写作 YYYY-MM，现为 %(key)s") % {"what": what, "key": repr(key)}, field=code
        )
    if key not in months:
        raise RuleError(
            f"{code}.month_outside",
            _("%(what)s的月份 %(key)s 不在见习期（%(start)s 至 %(last_day)s）内")
            % {"what": what, "key": key, "start": start, "last_day": last_day},
            field=code,
        )
    return key


def _attendance(
    attendance: Mapping[str, int],
    scheduled: Mapping[str, int],
    formula: _Formula,
    *,
    start: date,
    last_day: date,
) -> dict[str, int]:
    """Attended days per month; a month not reported counts as fully attended."""
    attended = dict(scheduled)
    for key, days in attendance.items():
        month = _month_inside_check(key, scheduled, code="attendance", what="出勤记录", start=start, last_day=last_day)
        if isinstance(days, bool) or not isinstance(days, int):
            raise RuleError(
                "attendance",
                _("%(month)s 的出勤天数应为整数，现为 %(days)s") % {"month": month, "days": repr(days)},
                field="attendance",
            )
        if not 0 <= days <= scheduled[month]:
            raise RuleError(
                "attendance",
                _(
                    "%(month)s 出勤 %(days)s 天，应在 0 至 %(scheduled)s 天之间"
                    "（该月见习期内共 %(scheduled)s %(day_unit)s）"
                )
                % {"month": month, "days": days, "scheduled": scheduled[month], "day_unit": formula.day_unit},
                field="attendance",
            )
        attended[month] = days
    return attended


def _caps(
    policy: Policy,
    paid_by_month: Mapping[str, Decimal] | None,
    scheduled: Mapping[str, int],
    *,
    start: date,
    last_day: date,
) -> dict[str, Decimal]:
    """R-SUB-8: what the host actually paid the intern each month, when that caps the subsidy."""
    if not policy.cap_by_paid:
        return {}
    caps: dict[str, Decimal] = {}
    for key, paid in (paid_by_month or {}).items():
        month = _month_inside_check(
            key, scheduled, code="paid_by_month", what="实发生活费", start=start, last_day=last_day
        )
        if not isinstance(paid, Decimal) or not paid.is_finite() or paid < 0:
            raise RuleError(
                "paid_by_month",
                _("%(month)s 的实发生活费应为不小于 0 的金额，现为 %(paid)s") % {"month": month, "paid": repr(paid)},
                field="paid_by_month",
            )
        caps[month] = paid
    missing = [month for month in scheduled if month not in caps]
    if missing:
        raise RuleError(
            "R-SUB-8.cap",
            _("本地补贴以单位实发生活费为上限，缺少以下月份的实发金额：%(missing)s（R-SUB-8）")
            % {"missing": "、".join(missing)},
            field="paid_by_month",
        )
    return caps


def _remaining_period(
    formula: _Formula, *, early: EarlyEnd, start: date, end: date, last_day: date, as_of: date
) -> RemainingPeriod:
    """R-SUB-5: the rest of the original period, paid as if attended, if every condition holds.

    The window runs from the day after the last internship day, or from the contract start if
    that is later (nothing is owed for days the person was neither intern nor employee), to
    the original end date. Remaining months are not capped by pay: the person is then an
    employee, paid under the labour contract.
    """
    contract = early.contract
    window_start = last_day + ONE_DAY
    if contract is not None and contract.start > window_start:
        window_start = contract.start
    months = []
    for first, last in month_segments(window_start, end):
        # Without proration the last internship month is already paid in full; the window's
        # part of that month must not pay it a second time.
        shared = formula.policy.proration == "none" and month_key(first) == month_key(last_day)
        months.append(
            formula.line(
                first,
                last,
                attended=formula.scheduled(first, last),
                cap=None,
                zero_rule="R-SUB-8.proration" if shared else None,
                extra_rules=("R-SUB-5",),
            )
        )
    reasons = _remaining_reasons(formula.policy, early=early, start=start, end=end, as_of=as_of)
    eligible = not reasons
    total = sum((line.amount for line in months), ZERO) if eligible else ZERO
    binding = remaining_binding_date(formula.policy, early)
    return RemainingPeriod(
        eligible=eligible,
        months=tuple(months),
        total=total,
        reasons=reasons,
        binding=binding[0] if binding else "",
        binding_date=binding[1] if binding else None,
    )


# What each binding date is called in a reason (R-SUB-5.window).
BINDING_LABELS = {
    "signed": "劳动合同签订日期",
    "contract_start": "劳动合同起始日期",
    "early_end": "提前结束见习日期（最后见习日）",
}


def remaining_binding_date(policy: Policy, early: EarlyEnd) -> tuple[str, date] | None:
    """R-SUB-5: the date held against the policy period, and which date it is.

    ``policy.remaining_binding`` names it: the signing date (Beijing: 签订劳动合同 in the notice),
    the contract start, or the early end (the last internship day). A signing date that was not
    given is stood in for by the contract start; with no contract there is no date to hold,
    except the early end.
    """
    if policy.remaining_binding == "early_end":
        return "early_end", early.date
    contract = early.contract
    if contract is None:
        return None
    if policy.remaining_binding == "signed" and contract.signed is not None:
        return "signed", contract.signed
    return "contract_start", contract.start


def _remaining_reasons(policy: Policy, *, early: EarlyEnd, start: date, end: date, as_of: date) -> tuple[Reason, ...]:
    """Every failed R-SUB-5 condition, each with its own code: officers check them one by one."""
    reasons: list[Reason] = []
    if early.reason != "hired":
        reasons.append(Reason("R-SUB-5.reason", _("见习不是因单位与见习人员签订劳动合同而提前结束（R-SUB-5）")))
    if early.contract is None:
        reasons.append(Reason("R-SUB-5.contract", _("未提供与见习人员签订的劳动合同（R-SUB-5）")))
    else:
        reasons.extend(_contract_reasons(policy, early, early.contract, start=start, end=end))
    if as_of <= end:
        reasons.append(
            Reason(
                "R-SUB-5.claim_date",
                _("申领日期 %(as_of)s 未晚于原见习期满日 %(end)s：须待劳动合同履行至原见习期满后申领（R-SUB-5）")
                % {"as_of": as_of, "end": end},
            )
        )
    return tuple(reasons)


def _window_reasons(policy: Policy, early: EarlyEnd) -> list[Reason]:
    """R-SUB-5.window: the binding date (policy data) lies in the policy period."""
    binding = remaining_binding_date(policy, early)
    if binding is None:
        return []
    basis, day = binding
    window_start, window_end = policy.remaining_window_start, policy.remaining_window_end
    if (window_start is None or day >= window_start) and (window_end is None or day <= window_end):
        return []
    label = BINDING_LABELS[basis]
    if basis == "contract_start" and policy.remaining_binding == "signed":
        label += "（未提供签订日期，以起始日期代替）"
    return [
        Reason(
            "R-SUB-5.window",
            _("%(label)s %(day)s 不在政策实施期限（%(window_text)s）内（R-SUB-5）")
            % {"label": label, "day": day, "window_text": _window_text(policy)},
        )
    ]


def _contract_reasons(policy: Policy, early: EarlyEnd, contract: Contract, *, start: date, end: date) -> list[Reason]:
    reasons: list[Reason] = []
    if contract.start < start:
        reasons.append(
            Reason(
                "R-SUB-5.contract_start",
                _("劳动合同起始日期 %(start)s 早于见习开始日期 %(start2)s（R-SUB-5）")
                % {"start": contract.start, "start2": start},
            )
        )
    elif contract.start > end:
        reasons.append(
            Reason(
                "R-SUB-5.contract_start",
                _("劳动合同起始日期 %(start)s 晚于原见习期满日 %(end)s，没有剩余见习期限（R-SUB-5）")
                % {"start": contract.start, "end": end},
            )
        )
    if contract.months < policy.remaining_min_contract_months:
        reasons.append(
            Reason(
                "R-SUB-5.term",
                _("劳动合同期限 %(months)s 个月，不足 %(remaining_min_contract_months)s 个月（R-SUB-5）")
                % {"months": contract.months, "remaining_min_contract_months": policy.remaining_min_contract_months},
            )
        )
    reasons.extend(_window_reasons(policy, early))
    for key in sorted(contract.insured_months):
        if parse_month_key(key) is None:
            raise RuleError(
                "contract.insured_months",
                _("参保月份应写作 YYYY-MM，现为 %(key)s") % {"key": repr(key)},
                field="ended_early.contract.insured_months",
            )
    insured = contract.insured_months
    missing = [key for key in months_between(contract.start, end) if key not in insured]
    if missing:
        reasons.append(
            Reason(
                "R-SUB-5.insurance",
                _("以下月份未缴纳社会保险：%(missing)s（R-SUB-5）") % {"missing": "、".join(missing)},
            )
        )
    if contract.employed_through is None:
        reasons.append(
            Reason("R-SUB-5.employed", _("尚未确认劳动合同已履行至原见习期满日 %(end)s（R-SUB-5）") % {"end": end})
        )
    elif contract.employed_through < end:
        reasons.append(
            Reason(
                "R-SUB-5.employed",
                _("劳动合同仅履行至 %(employed_through)s，未履行至原见习期满日 %(end)s（R-SUB-5）")
                % {"employed_through": contract.employed_through, "end": end},
            )
        )
    return reasons


def _window_text(policy: Policy) -> str:
    window_start, window_end = policy.remaining_window_start, policy.remaining_window_end
    if window_start is not None and window_end is not None:
        return f"{window_start} 至 {window_end}"
    if window_end is not None:
        return f"截至 {window_end}"
    return f"自 {window_start} 起"
