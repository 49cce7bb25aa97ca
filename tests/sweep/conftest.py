"""One of everything in "our" scope, for the sweeps that try every URL of the URLconf.

Our district (海淀) holds a host with a draft post (visible to no outsider, not even on public
pages), a published post with an application, a paid claim with an attachment, a recovery, a
follow-up and a claim run; the other district (朝阳) has its own host and officer. The sweeps
resolve the URLconf, so a view added later is tried without editing them; the tables below say
which object an id in a URL stands for, and a test fails when a URL names one they do not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from jianxi.core.access import ACCESS_ATTR
from jianxi.core.models import ExportJob, ExportStage, ImportJob, ImportStage
from jianxi.demonstration.models import Nomination
from jianxi.events import services as events
from jianxi.outreach import models as outreach
from jianxi.placements import services as placements
from jianxi.placements.models import FollowUp, LaterStatus, ServiceKind
from jianxi.posts.models import PostStatus
from jianxi.registry import services as registry
from jianxi.registry.adapters import Graduate, rows_from_json
from jianxi.registry.models import Channel, VerdictChange
from jianxi.subsidies import recovery
from jianxi.subsidies.models import Attachment, ClaimRun
from tests.factories import PostFactory
from tests.subsidies.conftest import TODAY, paid_claim

# The literal path segment in front of an id → the attribute of ``Objects`` it names.
SEGMENT_OBJECTS = {
    "hosts": "host",
    "youth": "person",
    "posts": "draft_post",
    "manage": "draft_post",
    "apply": "draft_post",
    "invite": "published_post",
    "applications": "application",
    "agreements": "agreement",
    "follow-ups": "agreement",
    "remaining": "agreement",
    "claims": "claim",
    "attachments": "attachment",
    "batches": "batch",
    "statement": "host",
    "new": "host",
    "recoveries": "recovery",
    "run": "run",
    "import": "import_job",
    "exports": "export_job",
    "nominations": "nomination",
    "loads": "load",
    "changes": "verdict_change",
    "lines": "line",
    "events": "event",  # a draft event of our district: public pages do not show it either
    "office": "event",
    "messages": "outbox_message",
    "pushes": "push",
}

# String kwargs: a value that reaches the view's real work (an action it knows).
STRING_VALUES = {
    ("hosts:review", "action"): "suspend",
    ("hosts:bank_review", "action"): "approve",
    ("hosts:change_review", "action"): "approve",
    ("hosts:department_confirm", "action"): "confirm",
    ("posts:act", "action"): "close",
    ("placements:move", "action"): "withdraw",
}
# String kwargs that are not object ids: public reference codes.
NOT_OBJECTS = {("posts:district", "code"): "110108", ("core:unsubscribe", "token"): "not-a-signed-token"}


@dataclass
class Objects:
    host: Any
    person: Any
    draft_post: Any
    published_post: Any
    application: Any
    agreement: Any
    claim: Any
    attachment: Any
    batch: Any
    recovery: Any
    run: Any
    import_job: Any
    export_job: Any
    nomination: Any
    load: Any
    verdict_change: Any
    line: Any
    event: Any
    outbox_message: Any
    push: Any


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    route: str  # as written in the URLconf, with <converter:kwarg>
    view: Any
    kwargs: tuple[tuple[str, str, str], ...]  # (kwarg, converter, segment in front of it)

    @property
    def access(self) -> Any:
        return getattr(self.view, ACCESS_ATTR, None)


def _routes(resolver: URLResolver, prefix: str = "", namespace: str = "", *, inside: bool = False) -> list[Route]:
    import re

    found: list[Route] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in ("admin", "api") and not inside:
                continue
            found += _routes(entry, prefix + str(entry.pattern), ns, inside=inside)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            kwargs = tuple(
                (kw, conv, re.split(r"/", route[: m.start()].rstrip("/"))[-1])
                for m in re.finditer(r"<(\w+):(\w+)>", route)
                for conv, kw in [m.groups()]
            )
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            found.append(Route(name=name, route=route, view=entry.callback, kwargs=kwargs))
    return found


def page_routes() -> list[Route]:
    """Every page route of the URLconf (the admin and the API have their own sweeps)."""
    return _routes(get_resolver())


def admin_and_api_routes() -> list[Route]:
    """The admin's and the API's routes that take no id."""
    found: list[Route] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in ("admin", "api"):
            found += [r for r in _routes(entry, str(entry.pattern), entry.namespace, inside=True) if not r.kwargs]
    return found


def fill(route: Route, objects: Objects) -> str:
    """The route's path with each id replaced by our object's id (and each string by a known value)."""
    import re

    values: dict[str, str] = {}
    for kwarg, conv, segment in route.kwargs:
        key = (route.name, kwarg)
        if conv == "int":
            attr = SEGMENT_OBJECTS.get(segment)
            assert attr, f"{route.route}: add the object an id after '{segment}/' stands for to SEGMENT_OBJECTS"
            values[kwarg] = str(getattr(objects, attr).pk)
        else:
            value = STRING_VALUES.get(key) or NOT_OBJECTS.get(key)
            assert value, f"{route.route}: add a value for {kwarg!r} to STRING_VALUES or NOT_OBJECTS"
            values[kwarg] = value
    return "/" + re.sub(r"<\w+:(\w+)>", lambda m: values[m.group(1)], route.route)


@pytest.fixture
def objects(world) -> Objects:
    with time_machine.travel(TODAY, tick=False):
        claim = paid_claim(world)
        agreement = claim.lines.first().agreement
        batch = claim.batch_item.batch
        draft = PostFactory(host=world.our_host, status=PostStatus.DRAFT, published_at=None)
        published = PostFactory(
            host=world.our_host,
            recruit_start=date(2024, 4, 1),
            recruit_end=date(2024, 5, 31),
            expires_on=date(2024, 6, 30),
        )
        application = placements.application_apply(actor=world.youth, post_id=published.pk, today=TODAY)
        attachment = Attachment.objects.create(
            claim=claim,
            file=ContentFile(b"%PDF-1.4 sweep", name="sweep.pdf"),
            name="考勤表.pdf",
            content_type="application/pdf",
            size=14,
        )
        order = recovery.recovery_create(
            actor=world.district_officer,
            host_id=world.our_host.pk,
            claim_ids=[claim.pk],
            amount=Decimal("100.00"),
            reason="核查发现考勤不实",
            bar=False,
            today=TODAY,
        )
        FollowUp.objects.create(
            agreement=agreement,
            officer=world.district_officer,
            served_on=TODAY,
            kind=ServiceKind.GUIDANCE,
            later_status=LaterStatus.SEEKING,
        )
        run = ClaimRun.objects.create(started_by=world.district_officer, today=TODAY, active=None)
        job = ImportJob.objects.create(
            user=world.host_staff,
            kind="posts",
            file_name="岗位.xlsx",
            stage=ImportStage.DONE,
            finished_at=timezone.now(),
        )
        # A finished export of our district officer (its page and download: the job's user only).
        export_job = ExportJob.objects.create(
            user=world.district_officer,
            kind="youth",
            file_name="见习人员.xlsx",
            stage=ExportStage.DONE,
            file=b"PK",
            finished_at=timezone.now(),
        )
        nomination = Nomination.objects.create(
            year=2024,
            host=world.our_host,
            district=world.our_host.district,
            score=Decimal("50.00"),
            district_rank=1,
            nominated_by=world.district_officer,
            nominated_at=timezone.now(),
        )
        event = events.event_save(
            actor=world.district_officer,
            data=events.EventData(
                kind="fair", title="海淀区专场招聘会", starts_at=timezone.now() + timedelta(days=7),
                ends_at=timezone.now() + timedelta(days=7, hours=3), place="海淀区人才市场", online_link="",
                capacity=20, description="", district_id=None, post_ids=[published.pk],
            ),
        )  # fmt: skip
        # A registry extract of our district confirming our person's graduate record (two verdicts change).
        person = world.our_person
        row = {"id_number": person.id_number, "school": "北京大学", "education": "本科",
               "graduation_date": person.graduation_date.isoformat(), "beijing_origin": "是"}  # fmt: skip
        load = registry.load_extract(
            actor=world.district_officer,
            adapter=Graduate,
            rows=rows_from_json(Graduate, [row]),
            channel=Channel.FILE,
            file_name="生源.xlsx",
        ).load
        # Our university's list of one graduate (our person) and a push of the published post (and the event) to it.
        graduate = outreach.Graduate.objects.create(
            university=person.university, id_number=person.id_number, name=person.name, school="北京大学",
            major="统计学", education="bachelor", graduation_date=person.graduation_date, phone=person.phone,
            person=person,
        )  # fmt: skip
        push = outreach.Push.objects.create(university=person.university, sent_by=world.university_officer, matched=1)
        outreach.PushItem.objects.create(push=push, post=published)
        outreach.PushItem.objects.create(push=push, event=event)  # its page lists the events pushed too
        outreach.PushReceipt.objects.create(push=push, post=published, graduate=graduate, id_number=graduate.id_number)
    return Objects(
        host=world.our_host,
        person=world.our_person,
        draft_post=draft,
        published_post=published,
        application=application,
        agreement=agreement,
        claim=claim,
        attachment=attachment,
        batch=batch,
        recovery=order,
        run=run,
        import_job=job,
        export_job=export_job,
        nomination=nomination,
        load=load,
        verdict_change=VerdictChange.objects.filter(load=load).first(),
        line=claim.lines.first(),
        event=event,
        outbox_message=_dead_letter(published),
        push=push,
    )


def _dead_letter(post: Any) -> Any:
    """The published post's message to the ministry's zone, dead-lettered (the city may retry it)."""
    from jianxi.exchange.models import MessageState, OutboxMessage
    from jianxi.posts.events import PostChange, posts_changed

    posts_changed([PostChange(post.pk, PostStatus.SUBMITTED, PostStatus.PUBLISHED)])
    message = OutboxMessage.objects.get(post_id=post.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(state=MessageState.DEAD, attempts=8, last_error="HTTP 500")
    return message
