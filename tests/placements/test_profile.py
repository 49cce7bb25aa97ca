"""The applicant profile a host screens on, the résumé, and contact details after an offer (issue #16)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from jianxi.core.errors import RuleError
from jianxi.core.validators import RESUME_MAX_BYTES, check_pdf
from jianxi.placements import services
from jianxi.placements.models import ContactReveal
from jianxi.youth.models import Education, Person
from tests.factories import TODAY, PostFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def application(world):
    person = world.our_person
    Person.objects.filter(pk=person.pk).update(
        education=Education.BACHELOR, school="", major="计算机科学与技术", graduation_date=date(2026, 6, 30)
    )
    post = PostFactory(host=world.our_host, title="软件测试见习岗")
    return services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY)


def upload(client, content: bytes, name: str = "简历.pdf"):
    return client.post(reverse("youth:resume_upload"), {"resume": SimpleUploadedFile(name, content)}, follow=True)


def test_the_host_screens_on_education_school_major_graduation_and_eligibility(client, world, application):
    client.force_login(world.host_staff)
    page = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    profile = page.split('data-testid="applicant-profile"')[1].split("</div>")[0]
    assert "大学本科" in profile and "计算机科学与技术" in profile and "2026-06-30" in profile
    assert world.our_person.university.name in profile
    assert "未上传" in profile
    # The eligibility is said once, in the outlook card above the profile (not twice).
    outlook = page.split('data-testid="outlook"')[1].split("</div>")[0]
    assert 'data-testid="outlook-eligible"' in outlook and "符合见习对象条件" in outlook
    assert page.count("见习对象条件") + page.count("符合见习条件") == 1
    # Before an offer: the phone number stays masked, and no way to reveal it.
    assert world.our_person.phone not in page and 'data-testid="reveal-contact"' not in page


def test_contact_details_are_revealed_after_an_offer_and_each_reveal_is_recorded(client, world, application):
    client.force_login(world.host_staff)
    url = reverse("placements:contact", args=[application.pk])
    client.post(url)
    assert ContactReveal.objects.count() == 0  # before the offer: refused, nothing recorded
    services.application_move(actor=world.host_staff, application_id=application.pk, action="offer")
    page = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    assert 'data-testid="reveal-contact"' in page and world.our_person.phone not in page
    shown = client.post(url).content.decode()
    assert f'data-testid="applicant-phone">{world.our_person.phone}<' in shown
    client.post(url)
    reveals = list(ContactReveal.objects.all())
    assert len(reveals) == 2 and {r.viewer for r in reveals} == {world.host_staff}
    assert reveals[0].application == application and reveals[0].ip_address == "127.0.0.1"
    # Another host, the young person, an officer: no reveal.
    client.force_login(world.other_host_staff)
    assert client.post(url).status_code == 404
    for user in (world.youth, world.district_officer):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert ContactReveal.objects.count() == 2


def test_the_young_person_uploads_a_pdf_resume_which_the_host_downloads(client, world, application):
    client.force_login(world.youth)
    done = upload(client, PDF)
    assert "简历已上传" in done.content.decode()
    person = Person.objects.get(pk=world.our_person.pk)
    assert person.resume and person.resume_uploaded_at is not None
    assert person.history.first().history_change_reason == "上传个人简历"
    client.force_login(world.host_staff)
    page = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    assert 'data-testid="resume-link"' in page
    response = client.get(reverse("placements:resume", args=[application.pk]))
    assert response["Content-Type"] == "application/pdf" and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    # A host it did not apply to: not found.
    client.force_login(world.other_host_staff)
    assert client.get(reverse("placements:resume", args=[application.pk])).status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"<html>not a pdf</html>", "简历.pdf", "只能上传 PDF 文件"),
        (PDF, "简历.exe", "只能上传 PDF 文件"),
        (b"MZ\x90\x00" + PDF, "简历.pdf", "只能上传 PDF 文件"),
        (PDF + b"0" * (RESUME_MAX_BYTES - len(PDF) + 1), "简历.pdf", "文件超过 2 MB"),
    ],
    ids=["html-named-pdf", "pdf-named-exe", "exe-bytes", "one-byte-too-big"],
)
def test_a_resume_that_is_not_a_small_pdf_is_refused(client, world, content, name, words):
    client.force_login(world.youth)
    assert words in upload(client, content, name).content.decode()
    assert not Person.objects.get(pk=world.our_person.pk).resume


def test_a_resume_of_exactly_the_limit_is_accepted(client, world):
    client.force_login(world.youth)
    upload(client, PDF + b"0" * (RESUME_MAX_BYTES - len(PDF)))
    assert Person.objects.get(pk=world.our_person.pk).resume


@given(st.binary(min_size=1, max_size=64))
def test_check_pdf_accepts_exactly_the_bytes_that_start_like_a_pdf(head):
    upload = SimpleUploadedFile("a.pdf", head)
    if head.startswith(b"%PDF-"):
        check_pdf(upload)
    else:
        with pytest.raises(RuleError) as err:
            check_pdf(upload)
        assert err.value.code == "upload.type"
