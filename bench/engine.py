"""Engine throughput: ``python -m bench.engine [--quotes 20000] [--profile]``.

Distinct full-period quotes, one process (one core): every quote a different internship —
start dates over two years, periods of 3 to 12 months, the districts with and without a
top-up, one month in three partly attended, one internship in five ended early by a hire with
a contract (the remaining period, R-SUB-5). No database: the policy and the calendar are built
once, as a claim run or the quote API has them in memory. Prints quotes per second.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from datetime import date, timedelta
from typing import Any

DISTRICTS = ["110101", "110102", "110105", "110106", "110108", "110111", "110112", "110114", "110115"]


def inputs(n: int, calendar: Any) -> list[dict[str, Any]]:
    """``n`` internships, no two alike (start, length, district, attendance, early end)."""
    from jianxi.policy import engine
    from jianxi.policy.engine.dates import month_last

    cases = []
    for i in range(n):
        start = date(2023, 3, 1) + timedelta(days=i % 640)
        months = 3 + (i // 640) % 10
        end = engine.add_months(start, months) - timedelta(days=1)
        early = None
        last_day = end
        if i % 5 == 0 and months > 3:
            left = end - timedelta(days=20 + i % 40)
            last_day = left
            early = engine.EarlyEnd(
                date=left,
                reason="hired",
                contract=engine.Contract(
                    start=left + timedelta(days=1),
                    months=12,
                    insured_months=frozenset(engine.months_between(left + timedelta(days=1), end)[:3]),
                    employed_through=end + timedelta(days=200),
                ),
            )
        attendance = {}
        for k, key in enumerate(engine.months_between(start, last_day)):
            first = date(int(key[:4]), int(key[5:]), 1)
            scheduled = calendar.working_days_between(max(first, start), min(month_last(first), last_day))
            if (i + k) % 3 == 0:  # one month in three, a day or two missed
                attendance[key] = max(0, scheduled - 1 - (i // 7 + k) % 2)
        cases.append(
            {
                "district": DISTRICTS[i % len(DISTRICTS)],
                "start": start,
                "end": end,
                "attendance": attendance,
                "ended_early": early,
                "as_of": end + timedelta(days=30),
            }
        )
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quotes", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest functions (cProfile)")
    args = parser.parse_args()
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianxi.settings")
    import django

    django.setup()
    from jianxi.policy import engine
    from jianxi.policy.workcal import from_chinese_calendar

    calendar = from_chinese_calendar(range(2023, 2027))
    policy = engine.BEIJING_2023
    cases = inputs(args.quotes, calendar)
    distinct = len({(c["district"], c["start"], c["end"], tuple(sorted(c["attendance"].items()))) for c in cases})

    def run() -> int:
        refused = 0
        for case in cases:
            try:
                engine.subsidy_quote(policy=policy, calendar=calendar, **case)
            except Exception:  # an input the rules refuse still counts as work done
                refused += 1
        return refused

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    # The first pass is the figure: every quote new to the engine (its memos start empty). The
    # later passes ask the same quotes again, as a page refreshed would.
    rates = []
    for _ in range(3):
        t0 = time.process_time()  # CPU time of this process: one core, whatever the machine's load
        refused = run()
        rates.append(len(cases) / (time.process_time() - t0))
    print(
        f"engine: {len(cases):,} quotes ({distinct:,} distinct, {refused} refused): first pass "
        f"{rates[0]:,.0f} quotes/s per core (CPU time); again {rates[1]:,.0f}, {rates[2]:,.0f}"
    )


if __name__ == "__main__":
    main()
