"""Separation of duties (issue #11, item 1): the table in accounts/duties.py binds pages and services.

Every action of the table is tried by every role that does not hold it — through the page (403
and nothing changed) and through the service (a ``duty.*`` refusal) — and the pages that carry a
duty declare exactly the table's roles. The city officer watches and audits but approves, pays,
reviews bank accounts, bars hosts and reopens attendance never.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from jianxi.accounts.duties import DUTIES, Duty
from jianxi.accounts.models import Role
from jianxi.core.errors import RuleError
from jianxi.demonstration import services as demonstration
from jianxi.hosts import services as hosts
from jianxi.placements import attendance
from jianxi.placements import services as placements
from jianxi.posts import services as posts
from jianxi.registry import services as registry
from jianxi.registry.adapters import Insurance
from jianxi.registry.models import Channel
from jianxi.subsidies import recovery, yearclose
from jianxi.subsidies import services as subsidies
from tests.subsidies.conftest import TODAY
from tests.sweep.conftest import page_routes
from tests.sweep.test_scoping_sweep import database_fingerprint

pytestmark = pytest.mark.django_db

OUR_USER = {
    Role.YOUTH: "youth",
    Role.HOST: "host_staff",
    Role.DISTRICT: "district_officer",
    Role.CITY: "city",
    Role.DEPARTMENT: "department_officer",
    Role.UNIVERSITY: "university_officer",
    Role.FINANCE: "finance",
}

# Each money action as a page request: (url name, args from our objects, form).
PAGES = {
    Duty.HOST_REVIEW: ("hosts:review", lambda o: [o.host.pk, "return"], {"reason": "材料不全"}),
    Duty.HOST_SANCTION: ("hosts:review", lambda o: [o.host.pk, "bar"], {"reason": "骗取补贴"}),
    Duty.BANK_REVIEW: ("hosts:bank_review", lambda o: [o.host.pk, "approve"], {}),
    Duty.HOST_CHANGE_REVIEW: ("hosts:change_review", lambda o: [o.host.pk, "approve"], {}),
    Duty.DEPARTMENT_CONFIRM: ("hosts:department_confirm", lambda o: [o.host.pk, "confirm"], {}),
    Duty.POST_REVIEW: ("posts:act", lambda o: [o.draft_post.pk, "approve"], {}),
    Duty.AGREEMENT_CANCEL: ("placements:cancel", lambda o: [o.agreement.pk], {"reason": "作废"}),
    Duty.ATTENDANCE_REOPEN: (
        "placements:attendance_reopen",
        lambda o: [o.agreement.pk],
        {"month": "2024-03", "reason": "更正"},
    ),
    Duty.CLAIM_PREPARE: ("subsidies:prepare", lambda o: [], {}),
    Duty.CLAIM_REVIEW: ("subsidies:review", lambda o: [o.claim.pk], {"decision": "approve"}),
    Duty.BATCH_PAY: (
        "subsidies:batch",
        lambda o: [o.batch.pk],
        {"paid_on": "2024-04-10", "reference": "X", "confirmed": "1"},
    ),
    Duty.RECOVERY: ("subsidies:recovery", lambda o: [o.recovery.pk], {"action": "write_off", "reason": "核销"}),
    Duty.CLAIM_RUN: ("subsidies:run", lambda o: [], {}),
    Duty.MONEY_AUDIT: ("subsidies:ledger", lambda o: [], None),
    Duty.NOMINATE: ("demonstration:nominate", lambda o: [], {"host": "1", "year": "2024"}),
    Duty.NOMINATION_CONFIRM: ("demonstration:decide", lambda o: [o.nomination.pk], {"action": "confirm"}),
    Duty.YEAR_CLOSE: ("subsidies:year_close", lambda o: [], {"year": "2023", "confirm": "on"}),
    Duty.REGISTRY_LOAD: ("registry:import_insurance", lambda o: [], {}),
    Duty.VERDICT_HANDLE: ("registry:change_handle", lambda o: [o.verdict_change.pk], {"note": "已处理"}),
}


def _services(world, o):
    """Each action as a service call, for an actor."""
    return {
        Duty.HOST_REVIEW: lambda a: hosts.host_review(actor=a, host_id=o.host.pk, action="return", reason="x"),
        Duty.HOST_SANCTION: lambda a: hosts.host_review(actor=a, host_id=o.host.pk, action="bar", reason="x"),
        Duty.BANK_REVIEW: lambda a: hosts.host_bank_review(actor=a, host_id=o.host.pk, approve=True),
        Duty.HOST_CHANGE_REVIEW: lambda a: hosts.host_change_review(actor=a, host_id=o.host.pk, approve=True),
        Duty.DEPARTMENT_CONFIRM: lambda a: hosts.host_change_confirm(actor=a, host_id=o.host.pk, confirm=True),
        Duty.POST_REVIEW: lambda a: posts.post_review(actor=a, post_id=o.draft_post.pk, approve=True),
        Duty.AGREEMENT_CANCEL: lambda a: placements.agreement_cancel(actor=a, agreement_id=o.agreement.pk, reason="x"),
        Duty.ATTENDANCE_REOPEN: lambda a: attendance.attendance_reopen(
            actor=a, agreement_id=o.agreement.pk, month=date(2024, 3, 1), reason="x"
        ),
        Duty.CLAIM_REVIEW: lambda a: subsidies.claim_review(
            actor=a, claim_id=o.claim.pk, review=subsidies.Review(approve=True), today=TODAY
        ),
        Duty.BATCH_PAY: lambda a: subsidies.batch_mark_paid(actor=a, batch_id=o.batch.pk, paid_on=TODAY, reference="X"),
        Duty.RECOVERY: lambda a: recovery.recovery_create(
            actor=a, host_id=o.host.pk, claim_ids=[o.claim.pk], amount=Decimal(1), reason="x", bar=False, today=TODAY
        ),
        Duty.NOMINATE: lambda a: demonstration.nomination_create(actor=a, host_id=o.host.pk, year=2024, today=TODAY),
        Duty.NOMINATION_CONFIRM: lambda a: demonstration.nomination_act(
            actor=a, nomination_id=o.nomination.pk, action="confirm"
        ),
        Duty.YEAR_CLOSE: lambda a: yearclose.year_close(actor=a, year=2023, today=TODAY),
        Duty.REGISTRY_LOAD: lambda a: registry.load_extract(actor=a, adapter=Insurance, rows=[], channel=Channel.FILE),
        Duty.VERDICT_HANDLE: lambda a: registry.change_handle(actor=a, change_id=o.verdict_change.pk, note="x"),
    }


SERVICES = {
    Duty.HOST_REVIEW, Duty.HOST_SANCTION, Duty.BANK_REVIEW, Duty.HOST_CHANGE_REVIEW, Duty.DEPARTMENT_CONFIRM,
    Duty.POST_REVIEW, Duty.AGREEMENT_CANCEL,
    Duty.ATTENDANCE_REOPEN, Duty.CLAIM_REVIEW, Duty.BATCH_PAY, Duty.RECOVERY, Duty.NOMINATE, Duty.NOMINATION_CONFIRM,
    Duty.YEAR_CLOSE,
    Duty.REGISTRY_LOAD, Duty.VERDICT_HANDLE,
}  # fmt: skip


def _outsiders(duty: Duty) -> list[Role]:
    return [role for role in Role if role not in DUTIES[duty]]


@pytest.mark.parametrize("duty", list(PAGES), ids=lambda duty: duty.value)
def test_a_role_outside_the_table_is_refused_the_page_and_nothing_changes(world, objects, duty):
    name, args, form = PAGES[duty]
    url = reverse(name, args=args(objects))
    clients = {}
    for role in _outsiders(duty):  # signed in first: signing in writes a history row
        clients[role] = Client()
        clients[role].force_login(getattr(world, OUR_USER[role]))
    before = database_fingerprint()
    for role, client in clients.items():
        response = client.get(url) if form is None else client.post(url, form)
        assert response.status_code == 403, f"{role} {duty}: {response.status_code}"
    assert database_fingerprint() == before


@pytest.mark.parametrize("duty", [duty for duty in PAGES if duty in SERVICES], ids=lambda duty: duty.value)
def test_a_role_outside_the_table_is_refused_by_the_service(world, objects, duty):
    call = _services(world, objects)[duty]
    before = database_fingerprint()
    for role in _outsiders(duty):
        with pytest.raises(RuleError) as refused:
            call(getattr(world, OUR_USER[role]))
        assert refused.value.code == f"duty.{duty.value}", role
    assert database_fingerprint() == before


@pytest.mark.parametrize("duty", [Duty.HOST_SANCTION, Duty.BANK_REVIEW, Duty.CLAIM_REVIEW, Duty.ATTENDANCE_REOPEN])
def test_the_city_officer_watches_but_does_not_move_money(world, objects, duty):
    """The city does not approve, pay, review bank accounts, bar hosts or reopen attendance."""
    assert Role.CITY not in DUTIES[duty]
    with pytest.raises(RuleError, match="职责分离"):
        _services(world, objects)[duty](world.city)


def test_the_holder_of_each_duty_passes_the_check(client, world, objects):
    """The refusals above are the table's, not a broken page: the district officer reaches each page."""
    client.force_login(world.district_officer)
    for duty in (Duty.MONEY_AUDIT, Duty.CLAIM_RUN):
        name, args, _ = PAGES[duty]
        assert client.get(reverse(name, args=args(objects))).status_code == 200
    client.force_login(world.city)
    assert client.get(reverse("subsidies:ledger")).status_code == 200  # the city audits


def test_every_page_that_declares_a_duty_admits_exactly_the_tables_roles():
    declared = {route.name: route for route in page_routes() if getattr(route.view, "jianxi_duties", None)}
    # The money actions that must stay declared through the table.
    assert {
        "hosts:review",
        "hosts:bank_review",
        "hosts:change_review",
        "hosts:department_confirm",
        "placements:cancel",
        "placements:attendance_reopen",
        "subsidies:review",
        "subsidies:checklist",
        "subsidies:payment",
        "subsidies:batch_cancel",
        "subsidies:recovery_create",
        "subsidies:prepare",
        "subsidies:run",
        "subsidies:ledger",
        "subsidies:flag_decide",
        "registry:import_insurance",
        "registry:change_handle",
    } <= set(declared)
    for name, route in declared.items():
        roles = set().union(*(DUTIES[duty] for duty in route.view.jianxi_duties))
        assert set(route.access) == roles, name
