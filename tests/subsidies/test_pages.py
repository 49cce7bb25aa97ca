"""The subsidy pages over HTTP: claim → review → batch → paid → ledger, scoping, uploads, audit, claim run.

The clock is frozen at TODAY (2024-04-10) by tests/subsidies/conftest.py: Q1 2024 can be claimed.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jianxi.core.money import ZERO
from jianxi.placements.models import AgreementStatus, Outcome
from jianxi.subsidies import recovery, services
from jianxi.subsidies.models import (
    Attachment,
    BatchStatus,
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimRun,
    ClaimStatus,
    LineStatus,
    PaymentBatch,
)
from tests.factories import PersonFactory, district
from tests.subsidies.conftest import TODAY, attend, make_agreement
from tests.subsidies.conftest import paid_claim as conftest_paid_claim

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SUBSIDY_TASKS_EAGER = True  # the claim run runs in the request: no thread outlives a test


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def quarter(world, person=None, host=None):
    agreement = make_agreement(world, person=person, host=host)
    for month in (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)):
        attend(agreement, month)
    return agreement


def paid_claim(world, person=None) -> Claim:
    # Each intern with a phone of their own: the shared-phone signal must stay quiet here.
    return conftest_paid_claim(world, person=person or PersonFactory(phone=f"139{Claim.objects.count():08d}"))


# --- the whole quarterly flow ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_quarterly_claim_goes_from_draft_to_paid_through_the_pages_and_the_ledger_matches_to_the_fen(client, world):
    world.our_host.bank_name, world.our_host.bank_account = "北京银行海淀支行", "6222000011112222"
    world.our_host.save()
    agreement = quarter(world)

    # The host sees the claimable months of Q1 grouped by intern, and prepares a draft.
    client.force_login(world.host_staff)
    page = client.get(reverse("subsidies:prepare"))
    assert page.status_code == 200
    assert "2024-01" in page.content.decode() and "2024-03" in page.content.decode()
    response = client.post(reverse("subsidies:prepare"), {"agreement": [agreement.pk]})
    claim = Claim.objects.get(host=world.our_host)
    assert response.url == reverse("subsidies:claim", args=[claim.pk])
    lines = list(claim.lines.order_by("month"))
    assert [line.month.month for line in lines] == [1, 2, 3]

    # The claim page explains every figure: rate × attended ÷ working days = city.
    body = client.get(response.url).content.decode()
    first = lines[0]
    assert f"¥{first.rate} × {first.attended_days} ÷ {first.working_days} = ¥{first.city}" in body
    assert "R-SUB-3" in body

    upload = SimpleUploadedFile("考勤表.pdf", PDF, content_type="application/pdf")
    client.post(reverse("subsidies:upload", args=[claim.pk]), {"file": upload})
    assert claim.attachments.get().content_type == "application/pdf"
    client.post(reverse("subsidies:submit", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED

    # The district officer rejects January with a reason and approves the rest.
    client.force_login(world.district_officer)
    queue = client.get(reverse("subsidies:claims"))
    assert next(iter(queue.context["page"])) == claim
    assert "review-form" in client.get(reverse("subsidies:claim", args=[claim.pk])).content.decode()
    client.post(
        reverse("subsidies:review", args=[claim.pk]),
        {"action": "approve", f"reject-{first.pk}": "1", f"reason-{first.pk}": "1月考勤表缺少本人签字"},
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    approved_lines = claim.lines.filter(status=LineStatus.APPROVED)
    expected = sum((line.amount for line in approved_lines), ZERO)
    assert approved_lines.count() == 2 and claim.approved_total == expected

    # The host sees the reason of the rejected line.
    client.force_login(world.host_staff)
    assert "1月考勤表缺少本人签字" in client.get(reverse("subsidies:claim", args=[claim.pk])).content.decode()

    # Payment: batch, bank file, marked paid once.
    client.force_login(world.district_officer)
    assert claim in list(client.get(reverse("subsidies:payment")).context["page"])
    response = client.post(reverse("subsidies:payment"), {"claim": [claim.pk]})
    batch = PaymentBatch.objects.get()
    assert response.url == reverse("subsidies:batch", args=[batch.pk])
    bank = client.get(reverse("subsidies:bank_file", args=[batch.pk]))
    rows = list(load_workbook(io.BytesIO(bank.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("见习单位", "开户银行", "银行账号", "金额", "附言")
    assert rows[1:] == [
        (world.our_host.name, "北京银行海淀支行", "6222000011112222", float(expected), f"BT-{claim.pk}")
    ]
    # Issue #16: the first POST only shows what will be recorded; nothing is paid until confirmed.
    summary = client.post(
        reverse("subsidies:batch", args=[batch.pk]), {"paid_on": "2024-04-10", "reference": "GK-0410-01"}
    )
    assert (
        'data-testid="pay-confirm"' in summary.content.decode()
        and f"<strong>{expected}</strong>" in summary.content.decode()
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.OPEN
    paid = client.post(
        reverse("subsidies:batch", args=[batch.pk]),
        {"paid_on": "2024-04-10", "reference": "GK-0410-01", "confirmed": "1"},
        follow=True,
    )
    assert f"批次 PC-{batch.pk} 已标记为已拨付：1 笔，合计 {expected} 元" in paid.content.decode()
    batch.refresh_from_db()
    claim.refresh_from_db()
    assert batch.status == BatchStatus.PAID and claim.status == ClaimStatus.PAID
    again = client.post(
        reverse("subsidies:batch", args=[batch.pk]),
        {"paid_on": "2024-04-11", "reference": "GK-0411-99", "confirmed": "1"},
    )
    assert any("不能重复拨付" in m for m in texts(again))

    # The ledger and the host's statement sum the paid claim to the fen.
    ledger = client.get(reverse("subsidies:ledger"), {"year": 2024})
    assert ledger.context["totals"]["paid"] == ledger.context["totals"]["approved"] == expected
    export = client.get(reverse("subsidies:ledger"), {"year": 2024, "format": "xlsx"})
    assert "资金台账" in load_workbook(io.BytesIO(export.content)).sheetnames
    client.force_login(world.host_staff)
    statement = client.get(reverse("subsidies:my_statement"), follow=True)
    assert statement.context["totals"]["paid"] == expected
    assert "见习补贴相关费用不计入社会保险缴费基数" in statement.content.decode()
    assert "已拨付" in client.get(reverse("subsidies:claims")).content.decode()


@pytest.mark.django_db
def test_R_SUB_5_remaining_claim_needs_every_checklist_item_before_approval(client, world):
    agreement = make_agreement(world, start=date(2023, 6, 1), end=date(2024, 2, 29))
    agreement.status, agreement.outcome = AgreementStatus.ENDED, Outcome.HIRED
    agreement.ended_on, agreement.contract_start, agreement.contract_months = date(2023, 11, 30), date(2023, 12, 1), 12
    agreement.insured_months = "2023-12,2024-01,2024-02"
    agreement.save()
    client.force_login(world.host_staff)
    listing = client.get(reverse("subsidies:claims"))
    assert agreement in listing.context["remaining"]
    client.post(reverse("subsidies:remaining", args=[agreement.pk]), {"employed_through": "2024-04-01"})
    claim = Claim.objects.get(kind=ClaimKind.REMAINING)
    client.post(reverse("subsidies:submit", args=[claim.pk]))

    client.force_login(world.district_officer)
    page = client.get(reverse("subsidies:claim", args=[claim.pk]))
    assert page.context["verdict"] is not None and len(page.context["checklist"]) == 5
    refused = client.post(reverse("subsidies:review", args=[claim.pk]), {"action": "approve"})
    assert any("尚有核查项未完成" in m for m in texts(refused))
    for code, _text, _item in page.context["checklist"]:
        client.post(reverse("subsidies:checklist", args=[claim.pk]), {"code": code, "note": "已核验"})
    client.post(reverse("subsidies:review", args=[claim.pk]), {"action": "approve"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED, page.context["verdict"]


# --- uploads ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("发票.pdf", b"MZ\x90\x00\x03 this is a windows program"),  # an executable disguised as a PDF
        ("照片.pdf", b"\x89PNG\r\n\x1a\n rest of a png"),  # a PNG named .pdf: content and name disagree
        ("说明.docx", b"PK\x03\x04 word"),
    ],
)
def test_an_upload_that_is_not_really_pdf_jpg_or_png_is_refused_and_nothing_is_stored(
    client, world, settings, name, content
):
    agreement = quarter(world)
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    client.force_login(world.host_staff)
    response = client.post(
        reverse("subsidies:upload", args=[claim.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )
    assert any("只能上传 PDF、JPG 或 PNG 文件" in m for m in texts(response))
    assert not Attachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "claims").exists()
    assert agreement.pk


@pytest.mark.django_db
def test_an_upload_over_10_mb_is_refused(client, world, settings):
    quarter(world)
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    client.force_login(world.host_staff)
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = client.post(reverse("subsidies:upload", args=[claim.pk]), {"file": big})
    assert any("10 MB" in m for m in texts(response))
    assert not Attachment.objects.exists()


# --- scoping ---------------------------------------------------------------------------------------


@pytest.fixture
def money(world):
    """A paid claim of our host, with its batch and a recovery order."""
    claim = paid_claim(world)
    order = recovery.recovery_create(
        actor=world.district_officer,
        host_id=world.our_host.pk,
        claim_ids=[claim.pk],
        amount=Decimal("100.00"),
        reason="考勤造假",
        bar=False,
        today=TODAY,
    )
    return claim, claim.batch_item.batch, order


@pytest.mark.django_db
def test_another_districts_officer_gets_404_on_claim_batch_recovery_and_statement(client, world, money):
    claim, batch, order = money
    client.force_login(world.other_district_officer)
    for url in (
        reverse("subsidies:claim", args=[claim.pk]),
        reverse("subsidies:batch", args=[batch.pk]),
        reverse("subsidies:bank_file", args=[batch.pk]),
        reverse("subsidies:recovery", args=[order.pk]),
        reverse("subsidies:statement", args=[world.our_host.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("subsidies:review", args=[claim.pk]), {"action": "approve"}).status_code == 404
    assert list(client.get(reverse("subsidies:claims")).context["page"]) == []
    assert list(client.get(reverse("subsidies:ledger")).context["page"]) == []


@pytest.mark.django_db
def test_a_host_cannot_see_another_hosts_claims(client, world, money):
    claim, _batch, order = money
    client.force_login(world.other_host_staff)
    assert client.get(reverse("subsidies:claim", args=[claim.pk])).status_code == 404
    assert client.get(reverse("subsidies:statement", args=[world.our_host.pk])).status_code == 404
    assert client.get(reverse("subsidies:recovery", args=[order.pk])).status_code == 404
    assert list(client.get(reverse("subsidies:claims")).context["page"]) == []
    assert client.get(reverse("subsidies:batches")).status_code == 403
    assert client.get(reverse("subsidies:ledger")).status_code == 403


@pytest.mark.django_db
def test_youth_university_and_department_officers_get_403_everywhere(client, world, money):
    claim, batch, order = money
    urls = [
        reverse("subsidies:claims"),
        reverse("subsidies:prepare"),
        reverse("subsidies:claim", args=[claim.pk]),
        reverse("subsidies:payment"),
        reverse("subsidies:batches"),
        reverse("subsidies:batch", args=[batch.pk]),
        reverse("subsidies:bank_file", args=[batch.pk]),
        reverse("subsidies:ledger"),
        reverse("subsidies:statement", args=[world.our_host.pk]),
        reverse("subsidies:signals"),
        reverse("subsidies:recoveries"),
        reverse("subsidies:recovery", args=[order.pk]),
        reverse("subsidies:run"),
    ]
    for user in (world.youth, world.university_officer, world.department_officer):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user.username, url)


@pytest.mark.django_db
def test_the_city_officer_reads_but_cannot_batch_or_pay(client, world, money):
    _claim, batch, _order = money
    client.force_login(world.city)
    assert client.get(reverse("subsidies:batch", args=[batch.pk])).status_code == 200
    assert client.get(reverse("subsidies:payment")).status_code == 403


# --- recoveries ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_recovery_is_created_repaid_and_written_off_through_the_pages(client, world):
    claim = paid_claim(world)
    client.force_login(world.district_officer)
    form = client.get(reverse("subsidies:recovery_create", args=[world.our_host.pk]), {"claim": claim.pk})
    assert claim in form.context["paid"]
    response = client.post(
        reverse("subsidies:recovery_create", args=[world.our_host.pk]),
        {"claim": [claim.pk], "amount": "500.00", "reason": "虚报考勤", "bar": "on"},
    )
    order = claim.recoveries.get()
    assert response.url == reverse("subsidies:recovery", args=[order.pk])
    world.our_host.refresh_from_db()
    assert world.our_host.status == "barred"
    url = reverse("subsidies:recovery", args=[order.pk])
    client.post(url, {"action": "repay", "amount": "200.00", "paid_on": "2024-04-10", "reference": "JH-1"})
    client.post(url, {"action": "write_off", "reason": "单位已注销"})
    order.refresh_from_db()
    assert order.status == "written_off"
    ledger = client.get(reverse("subsidies:ledger"), {"year": 2024}).context["totals"]
    assert ledger["recovered"] == Decimal("200.00") and ledger["written_off"] == Decimal("300.00")


# --- fraud signals ---------------------------------------------------------------------------------


def signal_counts(client) -> dict[str, int]:
    response = client.get(reverse("subsidies:signals"))
    assert response.status_code == 200
    return {s.code: len(s.rows) for s in response.context["signals"]}


@pytest.mark.django_db
def test_clean_data_raises_no_signal(client, world):
    world.our_person.phone = "13811112222"
    world.our_person.save()
    world.our_host.bank_account = "6228480000000001"  # outside the factory's sequence (62220000…)
    world.our_host.save()
    agreement = quarter(world)
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert claim is not None and agreement.pk
    client.force_login(world.district_officer)
    assert signal_counts(client) == {
        "overlap": 0,
        "attendance": 0,
        "claim_after_end": 0,
        "bank_account": 0,
        "phone": 0,
        "headcount": 0,
        "registry": 0,
    }


@pytest.mark.django_db
def test_each_signal_page_shows_a_row_for_the_data_that_raises_it(client, world):
    from jianxi.hosts.models import Host
    from jianxi.placements.models import Agreement, Attendance
    from tests.factories import HostFactory

    haidian = district("110108")
    # overlap: one person in two internships at once
    first = make_agreement(world)
    second_host = HostFactory(district=haidian)
    make_agreement(world, host=second_host, start=date(2024, 2, 1), end=date(2024, 7, 31))
    # attendance outside the internship
    Attendance.objects.create(
        agreement=first, month=date(2023, 12, 1), working_days=21, scheduled_days=0, attended_days=0
    )
    # claim after end: a line for March on an internship that ended in February
    person = PersonFactory(district=haidian, phone="13700000001")
    ended = make_agreement(world, person=person)
    Agreement.objects.filter(pk=ended.pk).update(
        status=AgreementStatus.ENDED, outcome=Outcome.TERMINATED, ended_on=date(2024, 2, 20)
    )
    claim = Claim.objects.create(host=world.our_host)
    figures = {"working_days": 21, "scheduled_days": 21, "attended_days": 21, "rate": Decimal("2420.00")}
    money = {"city": Decimal("2420.00"), "addons": ZERO, "district": ZERO, "amount": Decimal("2420.00")}
    ClaimLine.objects.create(
        claim=claim,
        agreement=ended,
        kind=ClaimKind.MONTHLY,
        month=date(2024, 3, 1),
        rules="R-SUB-1",
        **figures,
        **money,
    )
    # headcount: three interns claimed in one month on posts recruiting two in total
    post = first.post
    Host.objects.filter(pk=world.our_host.pk).update(bank_account="6222999988887777")
    Host.objects.filter(pk=second_host.pk).update(bank_account="6222999988887777")
    for n in range(3):
        intern = PersonFactory(district=haidian, phone="13600000000")  # shared phone, three persons
        a = Agreement.objects.create(
            post=post,
            host=world.our_host,
            person=intern,
            start=date(2024, 1, 15),
            end=date(2024, 7, 14),
            allowance=Decimal("2500.00"),
            mentor="王老师",
            training_date=date(2024, 1, 15),
            insurance_policy=f"PICC-2024-{n:04d}",
            status=AgreementStatus.ACTIVE,
            eligibility_rule="R-EL-1",
        )
        ClaimLine.objects.create(
            claim=claim,
            agreement=a,
            kind=ClaimKind.MONTHLY,
            month=date(2024, 2, 1),
            rules="R-SUB-1",
            **figures,
            **money,
        )
    from jianxi.posts.models import Post

    Post.objects.filter(host=world.our_host).update(headcount=1)

    client.force_login(world.district_officer)
    counts = signal_counts(client)
    # The registry's signals need extracts: tests/registry/test_signals.py raises each of them.
    assert all(counts[code] >= 1 for code in counts if code != "registry"), counts
    export = client.get(reverse("subsidies:signals"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(export.content))
    assert len(book.sheetnames) == len(counts) == 7
    # Chaoyang's officer sees none of Haidian's leads.
    client.force_login(world.other_district_officer)
    assert sum(signal_counts(client).values()) == 0


# --- the monthly claim run -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_claim_run_page_starts_a_run_and_a_second_run_creates_nothing(client, world):
    quarter(world)
    quarter(world, host=world.other_host, person=world.other_person)
    client.force_login(world.city)
    response = client.post(reverse("subsidies:run"))
    run = ClaimRun.objects.get()
    assert response.url == reverse("subsidies:run_progress", args=[run.pk])
    assert run.finished_at is not None and run.claims == 2 and run.lines == 6 and run.done == run.total == 2
    progress = client.get(response.url).content.decode()
    assert "已完成" in progress and 'http-equiv="refresh"' not in progress

    again = client.post(reverse("subsidies:run"), follow=True).content.decode()
    assert ClaimRun.objects.count() == 2 and ClaimRun.objects.first().claims == 0
    assert Claim.objects.count() == 2 and "没有找到尚未申报的月份" in again
    assert "没有找到尚未申报的月份" not in progress  # the first run drafted something
    client.force_login(world.district_officer)
    assert "为本区已审核的见习单位" in client.get(reverse("subsidies:run")).content.decode()


@pytest.mark.django_db
def test_a_second_run_is_refused_while_one_is_unfinished(client, world):
    running = ClaimRun.objects.create(
        started_by=world.district_officer, district=world.district_officer.district, today=TODAY
    )
    client.force_login(world.district_officer)
    progress = client.get(reverse("subsidies:run_progress", args=[running.pk])).content.decode()
    assert 'http-equiv="refresh" content="2"' in progress
    response = client.post(reverse("subsidies:run"))
    assert any("正在进行" in m for m in texts(response))
    assert ClaimRun.objects.count() == 1


# --- constant queries for every list ---------------------------------------------------------------


def add_money(world, n: int) -> None:
    for _ in range(n):
        claim = paid_claim(world)
        recovery.recovery_create(
            actor=world.district_officer,
            host_id=world.our_host.pk,
            claim_ids=[claim.pk],
            amount=Decimal("1.00"),
            reason="抽查",
            bar=False,
            today=TODAY,
        )
        agreement = make_agreement(world, person=PersonFactory(phone=f"135{Claim.objects.count():08d}"))
        attend(agreement, date(2024, 3, 1))
        approved = services.claim_prepare(
            actor=world.host_staff, host_id=world.our_host.pk, today=TODAY, agreement_ids=[agreement.pk]
        )
        services.claim_submit(actor=world.host_staff, claim_id=approved.pk)
        services.claim_review(
            actor=world.district_officer, claim_id=approved.pk, review=services.Review(approve=True), today=TODAY
        )


@pytest.mark.django_db
def test_every_list_page_makes_the_same_number_of_queries_whatever_its_length(client, world):
    def pages():
        batch = PaymentBatch.objects.annotate(n=Count("items")).order_by("-n", "-pk").first()
        return [
            (world.host_staff, reverse("subsidies:claims")),
            (world.host_staff, reverse("subsidies:recoveries")),
            (world.host_staff, reverse("subsidies:statement", args=[world.our_host.pk])),
            (world.district_officer, reverse("subsidies:claims")),
            (world.district_officer, reverse("subsidies:claims") + "?format=xlsx"),
            (world.district_officer, reverse("subsidies:payment")),
            (world.district_officer, reverse("subsidies:batches")),
            (world.district_officer, reverse("subsidies:batch", args=[batch.pk])),
            (world.district_officer, reverse("subsidies:ledger")),
            (world.district_officer, reverse("subsidies:ledger") + "?format=xlsx"),
            (world.district_officer, reverse("subsidies:recoveries")),
            (world.district_officer, reverse("subsidies:signals")),
            (world.city, reverse("subsidies:claims")),
        ]

    def count() -> list[int]:
        out = []
        for user, url in pages():
            client.force_login(user)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            out.append(len(ctx.captured_queries))
        return out

    add_money(world, 1)
    few = count()
    add_money(world, 3)
    # The second round's batch page shows a batch of two items; two approved claims stay to be paid.
    services.batch_create(
        actor=world.district_officer,
        claim_ids=list(Claim.objects.filter(status=ClaimStatus.APPROVED).values_list("pk", flat=True)[:2]),
    )
    many = count()
    assert few == many, list(zip([u for _, u in pages()], few, many, strict=True))


def test_R_SUB_7_the_yearly_statement_carries_the_social_insurance_and_tax_note(client, world):
    paid_claim(world)
    client.force_login(world.host_staff)
    page = client.get(reverse("subsidies:my_statement"), {"year": 2024}, follow=True).content.decode()
    assert "不计入社会保险缴费基数" in page and "企业所得税" in page and "R-SUB-7" in page


@pytest.mark.django_db
def test_claim_totals_on_the_list_are_exact_to_the_fen_on_every_database(client, world):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 1, 1))  # 13 of 22 days: 1430.00
    attend(agreement, date(2024, 2, 1), days=10)  # 10 of 18: 1344.44
    attend(agreement, date(2024, 3, 1), days=20)  # 20 of 21: 2304.76
    services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    client.force_login(world.host_staff)
    page = client.get(reverse("subsidies:claims")).content.decode()
    # SQLite adds these as floats (5079.200000000001); the list shows the fen, nothing more.
    assert ">5079.20<" in page and "5079.2000" not in page


@pytest.mark.django_db
def test_the_subsidy_sub_navigation_marks_the_page_you_are_on(client, world):
    client.force_login(world.district_officer)
    page = client.get(reverse("subsidies:batches")).content.decode()
    assert f'href="{reverse("subsidies:batches")}" aria-current="page"' in page
    assert page.count('aria-current="page"') == 1
