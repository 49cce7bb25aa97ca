"""Reads of policy data, turned into the engine's plain values.

The engine never touches the database: these functions load the dated rows in force and hand
the engine a ``Policy`` and a ``WorkCalendar``. Both are memoised per process under a
version number, kept in the shared cache, that every save or delete of a policy row bumps, so
an officer's edit takes effect at once in every process.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from jianxi.policy.engine.values import Addon, Policy, RatePoint, Tier
from jianxi.policy.models import (
    CalendarCorrection,
    CalendarYear,
    City,
    CityPolicy,
    District,
    DistrictTopUp,
    MinimumWage,
    PolicyAddon,
    RetentionTier,
)
from jianxi.policy.workcal import WorkCalendar, from_chinese_calendar

_CACHE_VERSION_KEY = "policy:version"
# Without a shared cache (no REDIS_URL) another process learns of an edit within this time.
_MAX_STALE_SECONDS = 60


def _version() -> str:
    """A token that changes whenever policy data changes (and at least every minute).

    A random token rather than a counter: if the cache is cleared, a fresh token is drawn and
    no memoised value of an earlier state can be mistaken for a current one.
    """
    token = cache.get_or_set(_CACHE_VERSION_KEY, lambda: uuid.uuid4().hex, None)
    return f"{token}:{int(time.time()) // _MAX_STALE_SECONDS}"


def invalidate(**_: object) -> None:
    """Any change to policy data makes every memoised policy and calendar unreachable."""
    cache.set(_CACHE_VERSION_KEY, uuid.uuid4().hex, None)


# The rows whose change invalidates the memo: PolicyConfig.ready() connects ``invalidate`` to
# their saves and deletions (not on import of this module: whoever changes policy data first
# would otherwise depend on someone having imported it).
POLICY_MODELS = (MinimumWage, DistrictTopUp, CityPolicy, PolicyAddon, RetentionTier, CalendarCorrection, CalendarYear)


def connect_invalidation() -> None:
    for model in POLICY_MODELS:
        post_save.connect(invalidate, sender=model, dispatch_uid=f"policy-invalidate-{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"policy-invalidate-del-{model.__name__}")


def current_city() -> City:
    return City.objects.get(code=settings.JIANXI_CITY)


def _engine_policy_from(row: CityPolicy, city: City) -> Policy:
    topups: dict[str, list[RatePoint]] = {}
    for t in DistrictTopUp.objects.filter(district__city=city).select_related("district"):
        topups.setdefault(t.district.code, []).append(RatePoint(t.effective_from, t.amount))
    return Policy(
        min_wage=tuple(RatePoint(m.effective_from, m.amount) for m in MinimumWage.objects.filter(city=city)),
        percent_of_min_wage=row.percent_of_min_wage,
        cap_by_paid=row.cap_by_paid,
        addons=tuple(Addon(a.name, a.amount) for a in row.addons.all()),
        retention_tiers=tuple(Tier(t.min_retention, t.amount) for t in row.tiers.all()),
        district_topups={code: tuple(series) for code, series in topups.items()},
        min_months_served=row.min_months_served,
        proration=row.proration,  # type: ignore[arg-type]
        remaining_window_start=row.remaining_window_start,
        remaining_window_end=row.remaining_window_end,
        remaining_min_contract_months=row.remaining_min_contract_months,
        remaining_binding=row.remaining_binding,  # type: ignore[arg-type]
        vocational_requires_origin=row.vocational_requires_origin,
        rural_requires_hukou_and_age=row.rural_requires_hukou_and_age,
        graduation_window_years=row.graduation_window_years,
        youth_min_age=row.youth_min_age,
        youth_max_age=row.youth_max_age,
        min_period_months=row.min_period_months,
        max_period_months=row.max_period_months,
        subsidy_once=row.subsidy_once,
    )


@lru_cache(maxsize=16)
def _policy_dates(version: str, city_code: str) -> tuple[tuple[date, int], ...]:
    """``(effective_from, pk)`` of the city's policy rows, oldest first."""
    rows = CityPolicy.objects.filter(city__code=city_code).order_by("effective_from")
    return tuple(rows.values_list("effective_from", "pk"))


@lru_cache(maxsize=64)
def _cached_policy(version: str, city_code: str, row_pk: int) -> Policy:
    # ``version`` is part of the key only so that a policy edit makes every entry unreachable.
    city = City.objects.get(code=city_code)
    return _engine_policy_from(CityPolicy.objects.get(pk=row_pk), city)


def engine_policy(on: date, city: City | None = None) -> Policy:
    """The engine's ``Policy`` value for the city, as in force on ``on``.

    Built once per (policy version, policy row) and kept in process memory, so a claim run over
    internships starting on every day of the year builds it once per row, not once per day:
    ``Policy`` holds read-only mappings that cannot be pickled into a shared cache.
    Before the first row's date, the first row applies (documented in docs/policy.md).
    """
    version, city_code = _version(), city.code if city else settings.JIANXI_CITY
    dates = _policy_dates(version, city_code)
    if not dates:
        raise LookupError(f"no subsidy policy configured for {city_code}")
    row_pk = dates[0][1]
    for effective_from, pk in dates:
        if effective_from > on:
            break
        row_pk = pk
    return _cached_policy(version, city_code, row_pk)


@lru_cache(maxsize=16)
def _cached_calendar(version: str, years: tuple[int, ...]) -> WorkCalendar:
    official = from_chinese_calendar(years)
    corrections = list(CalendarCorrection.objects.filter(date__year__in=years))
    cal = official.with_corrections(
        holidays_add=[c.date for c in corrections if not c.is_working_day],
        workdays_add=[c.date for c in corrections if c.is_working_day],
    )
    confirmed = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    return WorkCalendar(holidays=cal.holidays, workdays=cal.workdays, covered_years=cal.covered_years | confirmed)


def work_calendar(years: Iterable[int]) -> WorkCalendar:
    """The official calendar for ``years`` with officers' corrections taking precedence.

    A year is covered when the calendar package knows it, or when officers have confirmed
    that they entered its holidays by hand (``CalendarYear``).
    """
    return _cached_calendar(_version(), tuple(sorted(set(years))))


def calendar_gaps(today: date | None = None) -> list[int]:
    """Years in use (this year and next) whose official holidays are unknown: flag, don't guess."""
    today = today or timezone.localdate()
    years = [today.year, today.year + 1]
    cal = work_calendar(years)
    return [y for y in years if not cal.is_covered(y)]


def district_by_code(code: str) -> District | None:
    return District.objects.filter(code=code).first()
