"""新岗位推荐: an opt-in digest of new posts matching a young person (daily or weekly).

``send_digests`` sends each opted-in person one notice (``core.notify.notify``: in the app, and
by e-mail where the account has an address) naming the posts published since their last digest
that score at least ``Weights.digest_threshold``; nothing when there is none. Each digest sent is
a ``DigestSent`` row for its period (the day, or the ISO week); a unique index on (person,
period) means a period's digest goes out once, however often and however concurrently the job
runs (``manage.py send_digests``, the Celery task ``jianxi.recommend.send_digests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from jianxi.core.notify import notify
from jianxi.recommend.models import DigestFrequency, DigestSent, Preference
from jianxi.recommend.scoring import WEIGHTS, Weights
from jianxi.recommend.selectors import Chosen, Recommendation, recommendations_for
from jianxi.youth.models import Person

DIGEST_MAX_POSTS = 10  # the notice names the best ten; the link leads to the rest


def period_of(frequency: str, today: date) -> str:
    """The period a digest covers: ``2026-12-02`` (daily) or ``2026-W49`` (weekly, ISO week)."""
    if frequency == DigestFrequency.WEEKLY:
        year, week, _day = today.isocalendar()
        return f"{year}-W{week:02d}"
    return today.isoformat()


def digest_since(preference: Preference) -> datetime | None:
    """Posts published after this are new to the person: their last digest, else opting in."""
    last = DigestSent.objects.filter(person_id=preference.person_id).order_by("-sent_at").first()
    return last.sent_at if last is not None else preference.digest_since


def digest_posts(
    person: Person, *, chosen: Chosen, since: datetime | None, today: date, now: datetime, weights: Weights = WEIGHTS
) -> list[Recommendation]:
    """The open posts published after ``since`` that score at least the threshold, best first."""
    found = recommendations_for(
        person, today=today, now=now, limit=DIGEST_MAX_POSTS, weights=weights, since=since, chosen=chosen
    )
    return [r for r in found.items if r.score >= weights.digest_threshold]


@dataclass(frozen=True)
class DigestRun:
    sent: int  # people sent a digest
    empty: int  # opted in, nothing new above the threshold
    already: int  # this period's digest went out before


def send_digests(*, today: date, now: datetime, weights: Weights = WEIGHTS) -> DigestRun:
    """One digest per opted-in person whose period has none yet (see the module's docstring)."""
    sent = empty = already = 0
    preferences = (
        Preference.objects.exclude(digest=DigestFrequency.OFF)
        .filter(person__user__isnull=False, person__user__is_active=True)
        .select_related("person__user", "person__district")
        .order_by("pk")
    )
    for preference in preferences.iterator(chunk_size=500):
        person = preference.person
        period = period_of(preference.digest, today)
        if DigestSent.objects.filter(person=person, period=period).exists():
            already += 1
            continue
        chosen = Chosen(
            preference,
            frozenset(preference.districts.values_list("pk", flat=True)),
            frozenset(preference.categories.values_list("pk", flat=True)),
        )
        posts = digest_posts(person, chosen=chosen, since=digest_since(preference), today=today, now=now,
                             weights=weights)  # fmt: skip
        if not posts:
            empty += 1
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(person=person, period=period, sent_at=now, posts=[r.post.pk for r in posts])
                notify(users=[person.user], message=_message(posts), link=reverse("recommend:posts"))
        except IntegrityError:  # another run sent this period's digest a moment ago
            already += 1
            continue
        sent += 1
    return DigestRun(sent=sent, empty=empty, already=already)


def _message(posts: list[Recommendation]) -> str:
    titles = "；".join(f"{r.post.title}（{r.post.host.name}，{r.post.district.name}）" for r in posts[:3])
    if len(posts) > 3:
        return _("有 %(n)s 个符合您偏好的新见习岗位：%(titles)s 等。") % {"n": len(posts), "titles": titles}
    return _("有 %(n)s 个符合您偏好的新见习岗位：%(titles)s。") % {"n": len(posts), "titles": titles}
