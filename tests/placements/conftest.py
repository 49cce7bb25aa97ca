from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from jianxi.placements import services
from jianxi.placements.models import ApplicationStatus
from tests.factories import TODAY, PostFactory


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def terms(**change) -> services.AgreementTerms:
    values = {
        "start": date(2026, 12, 1),
        "end": date(2027, 5, 31),
        "allowance": Decimal("3000.00"),
        "mentor": "王老师",
        "training_date": date(2026, 11, 30),
        "insurance_policy": "PICC-2026-0001",
    }
    values.update(change)
    return services.AgreementTerms(**values)


def accepted(world, post=None, youth=None):
    """An application of ``youth`` (default: our youth) to ``post`` taken to an accepted offer."""
    post = post or PostFactory(host=world.our_host, headcount=2)
    youth = youth or world.youth
    application = services.application_apply(actor=youth, post_id=post.pk, today=TODAY)
    services.application_move(
        actor=world.host_staff if post.host == world.our_host else world.other_host_staff,
        application_id=application.pk,
        action="offer",
    )
    application = services.application_move(actor=youth, application_id=application.pk, action="accept")
    assert application.status == ApplicationStatus.ACCEPTED
    return application
