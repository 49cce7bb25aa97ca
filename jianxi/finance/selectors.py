"""The finance view (财政局): a year's budget against the money approved, paid and recovered.

Read-only and city-wide. Approved and paid money comes from the append-only ledger, split into
the city's share (市级补贴 and add-ons) and the district's (区级补贴) by the approved claim lines
behind each entry; recovered money has no split (a recovery order is an amount). The forecast is
the policy engine's quote of the months of active agreements not yet claimed, to the year's end:
recorded attendance where there is some, a month without a record counted as fully attended.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F
from django.db.models.functions import TruncMonth

from jianxi.core.aggregates import MoneySum
from jianxi.core.errors import RuleError
from jianxi.core.money import ZERO
from jianxi.finance.models import YearlyBudget
from jianxi.placements.models import Agreement, AgreementStatus
from jianxi.policy.engine.dates import add_months, month_first
from jianxi.policy.models import District
from jianxi.policy.selectors import current_city
from jianxi.subsidies.models import ClaimLine, EntryKind, LedgerEntry, LineStatus
from jianxi.subsidies.quoting import quote_for, recorded_months


@dataclass
class Money:
    approved: Decimal = ZERO
    approved_city: Decimal = ZERO
    approved_district: Decimal = ZERO
    paid: Decimal = ZERO
    paid_city: Decimal = ZERO
    paid_district: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.recovered

    def add(self, other: Money) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DistrictRow:
    code: str
    name: str
    budget: Decimal | None
    money: Money = field(default_factory=Money)
    forecast: Decimal = ZERO

    @property
    def left(self) -> Decimal | None:
        """Budget not yet paid out nor forecast to be."""
        return None if self.budget is None else self.budget - self.money.net_paid - self.forecast


@dataclass
class FinanceView:
    year: int
    budget: Decimal | None
    districts: list[DistrictRow]
    months: list[tuple[date, Money]]
    total: Money
    forecast: Decimal
    not_forecast: int  # active agreements the engine could not quote (a calendar missing, say)

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.total.net_paid - self.forecast


def _money_by_district_month(year: int) -> dict[tuple[int, date], Money]:
    money: dict[tuple[int, date], Money] = defaultdict(Money)
    entries = (
        LedgerEntry.objects.filter(year=year)
        .annotate(month=TruncMonth("occurred_on"))
        .values_list("district_id", "month", "kind")
        .annotate(total=MoneySum("amount"))
    )
    for district_id, month, kind, total in entries:
        cell = money[(district_id, _as_date(month))]
        if kind == EntryKind.APPROVED:
            cell.approved += total
        elif kind == EntryKind.PAID:
            cell.paid += total
        elif kind == EntryKind.RECOVERED:
            cell.recovered += total
    decimal: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
    shares = (
        ClaimLine.objects.filter(
            status=LineStatus.APPROVED,
            claim__ledger__year=year,
            claim__ledger__kind__in=(EntryKind.APPROVED, EntryKind.PAID),
        )
        .annotate(entry_month=TruncMonth("claim__ledger__occurred_on"))
        .values_list("claim__ledger__district_id", "entry_month", "claim__ledger__kind")
        .annotate(city=MoneySum(F("city") + F("addons"), output_field=decimal), district=MoneySum("district"))
    )
    for district_id, month, kind, city, district in shares:
        cell = money[(district_id, _as_date(month))]
        if kind == EntryKind.APPROVED:
            cell.approved_city, cell.approved_district = city, district
        else:
            cell.paid_city, cell.paid_district = city, district
    return money


def _as_date(value: date) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def forecast_by_district(year: int, today: date) -> tuple[dict[int, Decimal], int]:
    """The engine's quote of the unclaimed months of active agreements, from January (or today) to December."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    agreements = list(
        Agreement.objects.filter(
            status=AgreementStatus.ACTIVE, subsidy_eligible=True, start__lte=last, end__gte=max(first, today)
        ).select_related("host__district")
    )
    claimed = set(
        ClaimLine.objects.filter(agreement__in=[a.pk for a in agreements])
        .exclude(status=LineStatus.REJECTED)
        .values_list("agreement_id", "month")
    )
    recorded = recorded_months(a.pk for a in agreements)
    forecast: dict[int, Decimal] = defaultdict(lambda: ZERO)
    failed = 0
    for agreement in agreements:
        months, month = [], month_first(max(agreement.start, first))
        while month <= min(agreement.end, last):
            if (agreement.pk, month) not in claimed:
                months.append(month)
            month = add_months(month, 1)
        if not months:
            continue
        try:
            quote = quote_for(
                agreement,
                attendance=recorded[agreement.pk].attendance,
                paid_by_month=recorded[agreement.pk].paid,
                as_of=today,
                only_months=months,
            )
        except RuleError:
            failed += 1
            continue
        forecast[agreement.host.district_id] += quote.internship_total
    return dict(forecast), failed


def finance_view(*, year: int, today: date) -> FinanceView:
    city = current_city()
    budgets = {b.district_id: b.amount for b in YearlyBudget.objects.filter(city=city, year=year)}
    money = _money_by_district_month(year)
    forecast, failed = forecast_by_district(year, today)
    rows = {
        d.pk: DistrictRow(code=d.code, name=d.name, budget=budgets.get(d.pk))
        for d in District.objects.filter(city=city).order_by("sort_order", "code")
    }
    by_month: dict[date, Money] = defaultdict(Money)
    total = Money()
    for (district_id, month), cell in money.items():
        if district_id in rows:
            rows[district_id].money.add(cell)
        by_month[month].add(cell)
        total.add(cell)
    for district_id, amount in forecast.items():
        if district_id in rows:
            rows[district_id].forecast = amount
    return FinanceView(
        year=year,
        budget=budgets.get(None),
        districts=list(rows.values()),
        months=sorted(by_month.items()),
        total=total,
        forecast=sum(forecast.values(), ZERO),
        not_forecast=failed,
    )
