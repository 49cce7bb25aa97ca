"""Calendar arithmetic the rules are written in: months, years, ages, month keys."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

ONE_DAY = timedelta(days=1)

_MONTH_KEY = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@lru_cache(maxsize=8192)  # agreement periods repeat their start dates and lengths
def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clamped to the target month's last day.

    2023-01-31 + 1 month = 2023-02-28: agreements are read this way, and without the clamp
    the result would not exist.
    """
    year, month0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    month = month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_years(d: date, n: int) -> date:
    """``d`` plus ``n`` years; 29 February becomes 28 February in a common year."""
    return add_months(d, 12 * n)


def age_on(birth_date: date, on: date) -> int:
    """Completed years (周岁) on ``on``."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


@lru_cache(maxsize=4096)  # asked for millions of times in a claim run, for a few hundred dates
def month_key(d: date) -> str:
    """The ``YYYY-MM`` key that attendance, claims and insurance months are filed under."""
    return f"{d.year:04d}-{d.month:02d}"


@lru_cache(maxsize=4096)
def parse_month_key(key: str) -> tuple[int, int] | None:
    """``(year, month)`` for a well-formed ``YYYY-MM`` key, else ``None``."""
    match = _MONTH_KEY.fullmatch(key)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def month_first(d: date) -> date:
    return d.replace(day=1)


@lru_cache(maxsize=4096)
def month_last(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def days_in_month(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


def month_segments(start: date, end: date) -> list[tuple[date, date]]:
    """``[start, end]`` cut at month boundaries: one ``(first, last)`` pair per month touched."""
    segments: list[tuple[date, date]] = []
    first = start
    while first <= end:
        last = min(month_last(first), end)
        segments.append((first, last))
        first = last + ONE_DAY
    return segments


def months_between(start: date, end: date) -> tuple[str, ...]:
    """The ``YYYY-MM`` keys of every month touched by ``[start, end]``, in order."""
    return tuple(month_key(first) for first, _ in month_segments(start, end))


def full_months_served(start: date, last_day: date) -> int:
    """Whole months in ``[start, last_day]``, counted the way R-IN-1 counts a period.

    n months are served when ``last_day`` reaches ``add_months(start, n) - 1 day``
    (2023-03-15 .. 2023-06-14 is 3 months).
    """
    n = (last_day.year - start.year) * 12 + last_day.month - start.month + 1
    while n > 0 and add_months(start, n) - ONE_DAY > last_day:
        n -= 1
    return max(n, 0)
