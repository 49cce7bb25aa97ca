"""The home page: a landing page for visitors, and for each role what it can do next."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import scoped
from jianxi.core.access import acting_user, public, signed_in
from jianxi.core.models import Notification
from jianxi.core.paging import paginate
from jianxi.core.todos import todos_for
from jianxi.demonstration.models import Nomination, NominationStatus
from jianxi.events.selectors import districts_without_event
from jianxi.hosts.models import Host
from jianxi.oversight.selectors import retention_to_date
from jianxi.oversight.views import dashboard_context
from jianxi.placements.models import Agreement
from jianxi.placements.outcomes import retention_rates
from jianxi.policy.selectors import calendar_gaps
from jianxi.posts.models import Post, PostStatus
from jianxi.recommend.selectors import recommendations_for
from jianxi.subsidies.models import FundYear
from jianxi.youth.models import Person


@public
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and the load benchmark: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


HOME_RECOMMENDATIONS = 5  # the young person's home shows the best five; 为你推荐 shows more


@public
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "home/visitor.html")
    role = user.role
    if role == Role.CITY:
        return render(request, "home/city.html", city_home(user, timezone.localdate()))
    context: dict[str, Any] = {}
    if role == Role.DISTRICT:
        context["hosts_total"] = scoped(user, Host.objects.all()).count()
        # The queues are the to-do list's; the card counts what is open, from the (status, district) index.
        context["published_total"] = scoped(user, Post.objects.filter(status=PostStatus.PUBLISHED)).count()
        context["persons_total"] = scoped(user, Person.objects.all()).count()
    if role == Role.UNIVERSITY:
        context["persons_total"] = scoped(user, Person.objects.all()).count()
    if role == Role.HOST:
        # R-IN-3: retention rate = retained ÷ ended, counted from agreements, never typed.
        context["retention"] = retention_rates(scoped(user, Agreement.objects.all()))[None]
    if role in (Role.DISTRICT, Role.DEPARTMENT):
        # The same rate over a district's or department's thousands of agreements: from the aggregates.
        context["retention"] = retention_to_date(user)
    if role in (Role.DISTRICT, Role.DEPARTMENT, Role.UNIVERSITY):
        # R-TG-1, R-TG-2: the officers' home is their dashboard, read from the aggregates only.
        today = timezone.localdate()
        context.update(dashboard_context(user, year=today.year, today=today))
    if role == Role.YOUTH:
        # 下一步 from the person's own state, then 为你推荐 (issue #15): a fixed number of queries.
        person = Person.objects.filter(user=user).select_related("district").first()
        context["person"] = person
        context.update(todos_for(user, timezone.localdate(), person))
        if person is not None:
            context["found"] = recommendations_for(
                person, today=timezone.localdate(), now=timezone.now(), limit=HOME_RECOMMENDATIONS
            )
    if role == Role.HOST:
        context["host"] = user.host
    if role in (Role.HOST, Role.DISTRICT, Role.DEPARTMENT, Role.UNIVERSITY):
        # 待办: what waits for this person, each count equal to the list it links to.
        context.update(todos_for(user, timezone.localdate()))
    return render(request, f"home/{role}.html", context)


def city_home(user: Any, today: date) -> dict[str, Any]:
    """The city officer's home: what waits for the city, then the dashboard (aggregates only).

    Nothing here counts raw rows of the programme (persons, agreements, posts): at national
    scale those counts cost seconds; the dashboard's figures come from the statistics aggregates.
    """
    return {
        **dashboard_context(user, year=today.year, today=today),
        "calendar_gaps": calendar_gaps(),
        "nominations_waiting": Nomination.objects.filter(year=today.year, status=NominationStatus.NOMINATED).count(),
        "years_to_close": list(
            FundYear.objects.filter(claim_deadline__lt=today, closed_at__isnull=True).values_list("year", flat=True)
        ),
        "last_month": (today.replace(day=1) - timedelta(days=1)).replace(day=1),
        # R-TG-3: from October 1, the districts with no dedicated matching event this year.
        "districts_without_event": list(districts_without_event(user, today=today).values_list("name", flat=True)),
    }


RULES_FILE = Path(settings.BASE_DIR) / "docs" / "rules.md"
HEADING = re.compile(r"<h([1-4])>(.*?)</h\1>")
RULE_ID = re.compile(r"^(R-(?:EL|IN|SUB|TG)-\d+)\b")


def _slug(text: str) -> str:
    """A heading's anchor as GitHub writes it (the Contents links of docs/rules.md), or its rule id."""
    plain = re.sub(r"<[^>]+>", "", html.unescape(text)).strip()
    if found := RULE_ID.match(plain):
        return found.group(1).lower()
    plain = re.sub(r"[^\w\- ]", "", plain.lower(), flags=re.UNICODE)
    return plain.replace(" ", "-")


@lru_cache(maxsize=2)
def _rules_html(mtime: float) -> str:
    """docs/rules.md as HTML (raw HTML in the file escaped), each heading with its anchor."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(RULES_FILE.read_text(encoding="utf-8"))
    return HEADING.sub(lambda m: f'<h{m.group(1)} id="{_slug(m.group(2))}">{m.group(2)}</h{m.group(1)}>', body)


@public
def rules(request: HttpRequest) -> HttpResponse:
    """/rules/: the programme's rules (docs/rules.md), each rule at /rules/#r-el-1 and so on."""
    body = _rules_html(RULES_FILE.stat().st_mtime)
    return render(request, "core/rules.html", {"body": mark_safe(body)})  # noqa: S308 - rendered with html=False


@signed_in
def notifications(request: HttpRequest) -> HttpResponse:
    notices = Notification.objects.filter(user=acting_user(request))
    return render(request, "core/notifications.html", {"page": paginate(request, notices)})


@require_POST
@signed_in
def notifications_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=acting_user(request), read_at__isnull=True).update(read_at=timezone.now())
    return redirect("core:notifications")
