"""Eligibility before effort (issue #12, item 5): a young person sees eligibility and its reasons
before applying — on the post's page and on the apply page — is told when an internship would
not be subsidised (R-EL-6) and warned of an internship already under way (R-EL-5); the host sees
the same on the application and the agreement form, and the agreement says it clearly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from jianxi.placements import selectors, services
from jianxi.placements.models import Agreement, AgreementStatus, Application
from jianxi.youth.models import Person
from tests.factories import TODAY, PostFactory
from tests.placements.conftest import accepted, terms

pytestmark = pytest.mark.django_db


def earlier_internship(world, *, status: str, subsidised: bool = True) -> Agreement:
    post = PostFactory(host=world.other_host)
    return Agreement.objects.create(
        post=post,
        host=world.other_host,
        person=world.our_person,
        start=date(2026, 1, 5),
        end=date(2026, 7, 4) if status == AgreementStatus.ENDED else date(2027, 2, 28),
        allowance=Decimal("2500.00"),
        mentor="李老师",
        training_date=date(2026, 1, 5),
        insurance_policy="P-9",
        status=status,
        subsidy_eligible=subsidised,
        eligibility_rule="R-EL-1",
    )


def test_an_eligible_person_sees_so_with_the_rule_before_applying(client, world):
    post = PostFactory(host=world.our_host)
    client.force_login(world.youth)
    page = client.get(reverse("posts:detail", args=[post.pk])).content.decode()
    assert 'data-testid="outlook-eligible"' in page and "R-EL-1" in page
    assert 'data-testid="outlook-unsubsidised"' not in page and 'data-testid="outlook-current"' not in page
    apply_page = client.get(reverse("placements:apply", args=[post.pk]))
    assert apply_page.status_code == 200 and 'data-testid="outlook-eligible"' in apply_page.content.decode()
    client.post(reverse("placements:apply", args=[post.pk]))
    assert Application.objects.filter(post=post).exists()


def test_an_ineligible_person_is_told_why_and_may_still_apply(client, world):
    Person.objects.filter(pk=world.our_person.pk).update(graduation_date=date(2020, 6, 30))  # over two years ago
    post = PostFactory(host=world.our_host)
    outlook = selectors.applicant_outlook(Person.objects.get(pk=world.our_person.pk), today=TODAY)
    assert not outlook.eligibility.eligible and not outlook.subsidisable
    client.force_login(world.youth)
    page = client.get(reverse("placements:apply", args=[post.pk])).content.decode()
    assert 'data-testid="outlook-ineligible"' in page
    assert all(reason.code in page for reason in outlook.eligibility.reasons)
    assert "您仍可以申请" in page
    response = client.post(reverse("placements:apply", args=[post.pk]))
    application = Application.objects.get(post=post)
    assert response["Location"] == reverse("placements:application", args=[application.pk])
    client.force_login(world.host_staff)
    host_page = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    assert 'data-testid="outlook-ineligible"' in host_page


def test_a_person_subsidised_before_is_told_and_the_host_takes_them_unsubsidised(client, world):
    earlier_internship(world, status=AgreementStatus.ENDED)
    post = PostFactory(host=world.our_host, headcount=2)
    client.force_login(world.youth)
    page = client.get(reverse("posts:detail", args=[post.pk])).content.decode()
    assert 'data-testid="outlook-unsubsidised"' in page and "您的见习将不享受见习补贴" in page
    application = accepted(world, post=post)
    client.force_login(world.host_staff)
    host_page = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    assert "录用该申请人不享受见习补贴" in host_page
    form_page = client.get(reverse("placements:agreement_create", args=[application.pk])).content.decode()
    assert 'data-testid="outlook-unsubsidised"' in form_page
    agreement = services.agreement_create(actor=world.host_staff, application_id=application.pk, terms=terms())
    assert agreement.subsidy_eligible is False and "R-EL-6" in agreement.subsidy_note
    page = client.get(reverse("placements:agreement", args=[agreement.pk])).content.decode()
    assert "本见习不享受见习补贴" in page


def test_an_earlier_internship_without_subsidy_does_not_count(world):
    earlier_internship(world, status=AgreementStatus.ENDED, subsidised=False)
    outlook = selectors.applicant_outlook(world.our_person, today=TODAY)
    assert outlook.subsidisable and outlook.subsidy_note == "" and outlook.current is None


def test_a_person_in_an_internship_is_warned_and_the_host_is_not_told_where(client, world):
    current = earlier_internship(world, status=AgreementStatus.ACTIVE, subsidised=False)
    post = PostFactory(host=world.our_host)
    client.force_login(world.youth)
    page = client.get(reverse("placements:apply", args=[post.pk])).content.decode()
    assert 'data-testid="outlook-current"' in page and world.other_host.name in page and "R-EL-5" in page
    application = accepted(world, post=post)
    client.force_login(world.host_staff)
    host_page = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    assert 'data-testid="outlook-current"' in host_page
    assert world.other_host.name not in host_page  # another unit's internship stays its own business
    assert current.end.isoformat() in host_page


def test_only_a_young_person_opens_the_apply_page(client, world):
    post = PostFactory(host=world.our_host)
    url = reverse("placements:apply", args=[post.pk])
    assert client.get(url).status_code in (302, 403)
    client.force_login(world.host_staff)
    assert client.get(url).status_code == 403
    client.force_login(world.youth)
    assert client.get(reverse("placements:apply", args=[999999])).status_code == 404


def test_the_posts_page_for_others_shows_no_outlook(client, world):
    post = PostFactory(host=world.our_host)
    assert 'data-testid="outlook"' not in client.get(reverse("posts:detail", args=[post.pk])).content.decode()
    client.force_login(world.host_staff)
    assert 'data-testid="outlook"' not in client.get(reverse("posts:detail", args=[post.pk])).content.decode()


def test_the_outlook_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    earlier_internship(world, status=AgreementStatus.ENDED)
    earlier_internship(world, status=AgreementStatus.ENDED)
    selectors.outlook_of_user(world.youth, TODAY)  # the policy in force is looked up (and kept) once
    # The person, the policy cache's version, subsidised before, the internship under way.
    with django_assert_max_num_queries(4):
        outlook = selectors.outlook_of_user(world.youth, TODAY)
    assert outlook is not None and outlook.subsidy_note
