"""Applications (双向选择) and agreements (就业见习协议书): R-IN-1, R-EL-1…6, headcount, scoping."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Notification
from jianxi.placements import services
from jianxi.placements.models import AgreementStatus, Application, ApplicationStatus
from jianxi.posts.models import PostStatus
from tests.factories import TODAY, PersonFactory, PostFactory, UserFactory
from tests.placements.conftest import accepted, terms

pytestmark = pytest.mark.django_db


# --- applications --------------------------------------------------------------------------------


def test_youth_applies_once_per_post_and_the_host_is_told(world, django_capture_on_commit_callbacks):
    post = PostFactory(host=world.our_host)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY)
    assert Notification.objects.filter(user=world.host_staff, message__contains="申请了岗位").exists()
    with pytest.raises(RuleError, match="已申请该岗位"):
        services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY)


def test_one_open_application_per_post_is_a_database_constraint(world):
    post = PostFactory(host=world.our_host)
    Application.objects.create(post=post, person=world.our_person, status=ApplicationStatus.APPLIED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(post=post, person=world.our_person, status=ApplicationStatus.SCREENING)
    # a closed one does not block a new application
    Application.objects.create(post=post, person=world.our_person, status=ApplicationStatus.WITHDRAWN)


def test_cannot_apply_to_a_post_that_is_not_published(world):
    post = PostFactory(host=world.our_host, status=PostStatus.DRAFT)
    with pytest.raises(RuleError) as err:
        services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY)
    assert err.value.code == "post.closed"


def test_host_moves_the_application_and_each_side_sees_each_step(world, django_capture_on_commit_callbacks):
    post = PostFactory(host=world.our_host)
    app = services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY)
    services.application_move(actor=world.host_staff, application_id=app.pk, action="screen")
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_move(
            actor=world.host_staff,
            application_id=app.pk,
            action="interview",
            interview=services.Interview(
                at=datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), online=True
            ),
        )
    assert app.status == ApplicationStatus.INTERVIEW and app.interview_online
    assert Notification.objects.filter(user=world.youth, message__contains="2026-11-28 10:00").exists()
    services.application_move(actor=world.host_staff, application_id=app.pk, action="offer")
    app = services.application_move(actor=world.youth, application_id=app.pk, action="accept")
    assert [h.status for h in app.history.order_by("history_date")] == [
        "applied",
        "screening",
        "interview",
        "offer",
        "accepted",
    ]


def test_each_side_may_only_take_its_own_steps(world):
    post = PostFactory(host=world.our_host)
    app = services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY)
    with pytest.raises(RuleError):
        services.application_move(actor=world.youth, application_id=app.pk, action="offer")
    with pytest.raises(RuleError, match="不能接受录用"):
        services.application_move(actor=world.youth, application_id=app.pk, action="accept")
    with pytest.raises(Http404):
        services.application_move(actor=world.other_host_staff, application_id=app.pk, action="reject")


def test_interview_needs_a_place_or_online(world):
    app = services.application_apply(actor=world.youth, post_id=PostFactory(host=world.our_host).pk, today=TODAY)
    with pytest.raises(RuleError) as err:
        services.application_move(
            actor=world.host_staff,
            application_id=app.pk,
            action="interview",
            interview=services.Interview(at=datetime(2026, 11, 28, 10, tzinfo=ZoneInfo("Asia/Shanghai"))),
        )
    assert err.value.field == "interview_at"


def test_host_invites_a_registered_young_person_by_id_number(world):
    post = PostFactory(host=world.our_host)
    app = services.application_invite(
        actor=world.host_staff, post_id=post.pk, id_number=world.other_person.id_number, today=TODAY
    )
    assert app.status == ApplicationStatus.INVITED and app.invited
    app = services.application_move(actor=world.other_youth, application_id=app.pk, action="accept_invite")
    assert app.status == ApplicationStatus.APPLIED
    with pytest.raises(RuleError, match="未找到"):
        services.application_invite(
            actor=world.host_staff, post_id=post.pk, id_number="11010519491231002X", today=TODAY
        )
    with pytest.raises(Http404):  # another host's post is not found (issue #11: scope before input)
        services.application_invite(
            actor=world.other_host_staff, post_id=post.pk, id_number=world.our_person.id_number, today=TODAY
        )


# --- agreements ----------------------------------------------------------------------------------


def test_agreement_from_an_accepted_offer_is_confirmed_by_both_sides(world):
    app = accepted(world)
    agreement = services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    assert agreement.status == AgreementStatus.PENDING and agreement.subsidy_eligible
    assert agreement.eligibility_rule == "R-EL-1"
    services.agreement_confirm(actor=world.host_staff, agreement_id=agreement.pk)
    agreement = services.agreement_confirm(actor=world.youth, agreement_id=agreement.pk)
    assert agreement.status == AgreementStatus.ACTIVE


def test_R_IN_1_agreement_period_outside_3_to_12_months_is_refused(world):
    app = accepted(world)
    for end in (date(2027, 2, 27), date(2027, 12, 1)):
        with pytest.raises(RuleError) as err:
            services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms(end=end))
        assert err.value.code == "R-IN-1"


def test_R_EL_1_refused_when_the_person_is_not_eligible_on_the_start_date(world):
    world.our_person.graduation_date = date(2024, 6, 30)  # two years end 2026-06-30, before the start
    world.our_person.save()
    app = accepted(world)
    with pytest.raises(RuleError) as err:
        services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    assert err.value.code == "R-EL-1" and "2 年" in err.value.message


def test_R_EL_5_overlapping_agreements_are_refused(world):
    first = accepted(world)
    services.agreement_create(actor=world.host_staff, application_id=first.pk, terms=terms())
    second = accepted(world, post=PostFactory(host=world.other_host))
    with pytest.raises(RuleError) as err:
        services.agreement_create(
            actor=world.other_host_staff,
            application_id=second.pk,
            terms=terms(start=date(2027, 3, 1), end=date(2027, 8, 31)),
        )
    assert err.value.code == "R-EL-5"


def test_R_EL_6_a_second_internship_is_recorded_without_subsidy(world):
    first = accepted(world)
    services.agreement_create(actor=world.host_staff, application_id=first.pk, terms=terms())
    second = accepted(world, post=PostFactory(host=world.other_host))
    agreement = services.agreement_create(
        actor=world.other_host_staff,
        application_id=second.pk,
        terms=terms(start=date(2027, 6, 1), end=date(2027, 11, 30), training_date=date(2027, 6, 1)),
    )
    assert agreement.subsidy_eligible is False and "R-EL-6" in agreement.subsidy_note


def test_headcount_is_never_exceeded_and_a_full_post_is_filled(world):
    post = PostFactory(host=world.our_host, headcount=1)
    app = accepted(world, post=post)
    services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    post.refresh_from_db()
    assert post.status == PostStatus.FILLED
    third_user = UserFactory(role="youth")
    PersonFactory(user=third_user)
    post.status = PostStatus.PUBLISHED  # even if it were reopened by hand, the count decides
    post.save()
    other = accepted(world, post=post, youth=third_user)
    with pytest.raises(RuleError) as err:
        services.agreement_create(actor=world.host_staff, application_id=other.pk, terms=terms())
    assert err.value.code == "headcount"


def test_cancelling_an_agreement_frees_the_place(world):
    post = PostFactory(host=world.our_host, headcount=1)
    app = accepted(world, post=post)
    agreement = services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    services.agreement_cancel(actor=world.host_staff, agreement_id=agreement.pk, reason="本人放弃")
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_R_IN_2_agreement_needs_mentor_and_insurance(world):
    app = accepted(world)
    with pytest.raises(RuleError) as err:
        services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms(mentor=" "))
    assert err.value.field == "mentor"


# --- scoping and pages ---------------------------------------------------------------------------


def test_university_department_and_district_see_their_own(client, world):
    app = accepted(world)
    agreement = services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    visible = {
        world.university_officer: True,  # our person studied at 10001
        world.other_university_officer: False,
        world.department_officer: True,  # our host was recruited by science
        world.other_department_officer: False,
        world.district_officer: True,
        world.other_district_officer: False,
        world.other_host_staff: False,
        world.other_youth: False,
    }
    for user, sees in visible.items():
        client.force_login(user)
        assert (client.get(reverse("placements:agreement", args=[agreement.pk])).status_code == 200) is sees, user
        assert (client.get(reverse("placements:application", args=[app.pk])).status_code == 200) is sees, user
        listed = world.our_person.name in client.get(reverse("placements:applications")).content.decode()
        assert listed is sees, user


def test_post_pages_show_applicants_and_remaining_places(client, world):
    post = PostFactory(host=world.our_host, headcount=3)
    app = accepted(world, post=post)
    services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    client.force_login(world.host_staff)
    page = client.get(reverse("posts:manage_detail", args=[post.pk])).content.decode()
    assert 'data-testid="post-remaining">1 / 2<' in page
    public = client.get(reverse("posts:detail", args=[post.pk])).content.decode()
    assert "尚余 2 个名额" in public


def test_youth_applies_through_the_page(client, world):
    post = PostFactory(host=world.our_host)
    client.force_login(world.youth)
    response = client.post(reverse("placements:apply", args=[post.pk]))
    app = Application.objects.get()
    assert response["Location"] == reverse("placements:application", args=[app.pk])


def test_printable_agreement_masks_the_id_number_for_officers(client, world):
    app = accepted(world)
    agreement = services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    client.force_login(world.district_officer)
    page = client.get(reverse("placements:agreement", args=[agreement.pk])).content.decode()
    assert "就业见习协议书" in page and world.our_person.id_number not in page
    client.force_login(world.youth)
    assert (
        world.our_person.id_number in client.get(reverse("placements:agreement", args=[agreement.pk])).content.decode()
    )
