"""The working-day calendar (工作日历) behind R-SUB-3 proration.

Pure values: the engine takes a ``WorkCalendar`` and never looks anything up itself. The
official PRC calendar (weekends, public holidays, 调休 adjusted workdays) comes from
``from_chinese_calendar``; officers' corrections are layered on with ``with_corrections``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days (工作日).

    ``holidays`` are days off that fall on weekdays (public holidays and 调休 days off);
    ``workdays`` are weekend days that are worked (调休上班). ``covered_years`` are the years
    whose holidays are actually known: outside them the Monday–Friday fallback is a guess, and
    the engine refuses to pay on a guess.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    covered_years: frozenset[int] = frozenset()
    # Per month, prefix[d] = working days on days 1..d: the engine asks for day counts many
    # thousands of times in a claim run, so each month is walked once. Not part of equality.
    _prefix: dict[tuple[int, int], list[int]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def _month_prefix(self, year: int, month: int) -> list[int]:
        prefix = self._prefix.get((year, month))
        if prefix is None:
            prefix = [0]
            for day in range(1, calendar.monthrange(year, month)[1] + 1):
                prefix.append(prefix[-1] + self.is_working_day(date(year, month, day)))
            self._prefix[(year, month)] = prefix
        return prefix

    def working_days_between(self, a: date, b: date) -> int:
        """Working days from ``a`` to ``b``, both inclusive; 0 when ``b`` is before ``a``."""
        count = 0
        year, month = a.year, a.month
        while (year, month) <= (b.year, b.month):
            prefix = self._month_prefix(year, month)
            first = a.day if (year, month) == (a.year, a.month) else 1
            last = b.day if (year, month) == (b.year, b.month) else len(prefix) - 1
            count += prefix[last] - prefix[first - 1]
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return count

    def month_working_days(self, year: int, month: int) -> list[date]:
        last = calendar.monthrange(year, month)[1]
        return [date(year, month, day) for day in range(1, last + 1) if self.is_working_day(date(year, month, day))]

    def working_days_in_month(self, year: int, month: int) -> int:
        return self._month_prefix(year, month)[-1]

    def with_corrections(self, holidays_add: Iterable[date] = (), workdays_add: Iterable[date] = ()) -> WorkCalendar:
        """A new calendar in which officers' corrections beat the official data.

        A corrected day off is removed from ``workdays`` (which would otherwise win in
        ``is_working_day``), and a corrected working day from ``holidays``.
        """
        off = frozenset(holidays_add)
        on = frozenset(workdays_add)
        both = off & on
        if both:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"a day cannot be corrected to both a day off and a workday: {days}")
        return WorkCalendar(
            holidays=(self.holidays - on) | off,
            workdays=(self.workdays - off) | on,
            covered_years=self.covered_years,
        )

    def is_covered(self, year: int) -> bool:
        return year in self.covered_years


def from_chinese_calendar(years: Iterable[int]) -> WorkCalendar:
    """The official calendar for ``years`` from the ``chinesecalendar`` package.

    Years the package has no data for are left out of ``covered_years`` rather than guessed;
    ``chinese_calendar`` signals them by raising ``NotImplementedError``.
    """
    # Imported here so that the engine and its callers stay importable without the package.
    import chinese_calendar

    holidays: set[date] = set()
    workdays: set[date] = set()
    covered: set[int] = set()
    for year in sorted(set(years)):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
            chinese_calendar.is_workday(date(year, 12, 31))
        except NotImplementedError:
            continue
        covered.add(year)
        d = date(year, 1, 1)
        while d.year == year:
            working = bool(chinese_calendar.is_workday(d))
            weekday = d.weekday() < 5
            if working and not weekday:
                workdays.add(d)
            elif weekday and not working:
                holidays.add(d)
            d += _ONE_DAY
    return WorkCalendar(holidays=frozenset(holidays), workdays=frozenset(workdays), covered_years=frozenset(covered))
