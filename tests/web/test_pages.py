"""Pages through HTTP: homes by role, sign-up, login throttling, audit, paging and query counts."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jianxi.accounts.models import Role, User
from jianxi.core.models import Notification
from jianxi.hosts.models import Host, HostStatus
from jianxi.policy.models import CityPolicy, Department, District, MinimumWage, YearlyTarget
from jianxi.youth.models import IdNumberReveal, Person
from tests.factories import PASSWORD, HostFactory, PersonFactory, make_credit_code, make_id_number

pytestmark = pytest.mark.django_db


# --- reference data and demo ---------------------------------------------------------------------


def test_R_TG_1_reference_data_and_the_yearly_target_are_loaded_by_migration():
    assert District.objects.count() == 17  # 16 districts + 北京经济技术开发区
    assert District.objects.filter(code="BDA", name="北京经济技术开发区").exists()
    assert Department.objects.count() == 9
    wages = list(MinimumWage.objects.order_by("effective_from").values_list("effective_from", "amount"))
    assert [(d.isoformat(), str(a)) for d, a in wages] == [
        ("2019-07-01", "2200.00"),
        ("2021-08-01", "2320.00"),
        ("2023-09-01", "2420.00"),
        ("2025-09-01", "2540.00"),
    ]
    assert MinimumWage.objects.exclude(source="").count() == 4
    assert YearlyTarget.objects.get(year=2023).posts == 6000
    assert CityPolicy.objects.get().remaining_window_end == date(2023, 12, 31)


def test_demo_command_is_idempotent(capsys):
    call_command("demo")
    counts = (User.objects.count(), Host.objects.count(), Person.objects.count())
    call_command("demo")
    assert (User.objects.count(), Host.objects.count(), Person.objects.count()) == counts
    assert "jianxi-demo-2023" in capsys.readouterr().out


@pytest.mark.parametrize("username", ["city", "haidian", "chaoyang", "kewei", "pku", "host", "youth"])
def test_every_demo_login_lands_on_its_role_home(client, username):
    call_command("demo")
    response = client.post(reverse("login"), {"username": username, "password": "jianxi-demo-2023"})
    assert response.status_code == 302 and response["Location"] == "/"
    role = User.objects.get(username=username).role
    assert f'data-testid="home-{role}"' in client.get("/").content.decode()


# --- user constraint -----------------------------------------------------------------------------


def test_an_officer_must_belong_to_exactly_one_scope():
    haidian = District.objects.get(code="110108")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nowhere", role=Role.DISTRICT)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="two", role=Role.DISTRICT, district=haidian, department=Department.objects.first())
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="youth_with_district", role=Role.YOUTH, district=haidian)


# --- sign-up -------------------------------------------------------------------------------------


def youth_form(**change):
    data = {
        "username": "xiaoming",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "name": "小明",
        "id_number": make_id_number(7),
        "phone": "13912345678",
        "group": "college_graduate",
        "district": District.objects.get(code="110108").pk,
        "graduation_date": "2025-07-01",
        "beijing_origin": "on",
    }
    data.update(change)
    return data


def host_form(**change):
    data = {
        "username": "hr_a",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "contact_name": "王经理",
        "contact_phone": "13912345678",
        "credit_code": make_credit_code(424242),
        "host_name": "北京某某科技有限公司",
        "host_type": "private",
        "district": District.objects.get(code="110108").pk,
        "address": "海淀区某路 1 号",
    }
    data.update(change)
    return data


def _signed_in_home(client, username: str, password: str) -> str:
    response = client.post(reverse("login"), {"username": username, "password": password}, follow=True)
    return response.content.decode()


def test_youth_signs_up_then_signs_in_and_lands_home_with_the_registry_record(client):
    response = client.post(reverse("signup_youth"), youth_form())
    assert response.status_code == 200 and 'data-testid="signup-done"' in response.content.decode()
    assert "_auth_user_id" not in client.session  # not signed in: that would tell the ID was free
    person = Person.objects.get(user__username="xiaoming")
    assert person.birth_date == date(2001, 5, 20)  # derived from the ID number
    assert person.history.first().history_user == person.user  # audit: who created it
    assert 'data-testid="home-youth"' in _signed_in_home(client, "xiaoming", youth_form()["password1"])


def test_youth_sign_up_with_a_corrupted_id_number_is_refused_and_changes_nothing(client):
    bad = make_id_number(7)[:-1] + ("0" if make_id_number(7)[-1] != "0" else "1")
    response = client.post(reverse("signup_youth"), youth_form(id_number=bad))
    assert response.status_code == 200
    assert "身份证号校验码" in response.content.decode()
    assert not User.objects.filter(username="xiaoming").exists()


def _answer(response) -> str:
    """The page without what differs between any two renderings (the CSRF token, the username)."""
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|<strong>[^<]*</strong>', "", response.content.decode())


def test_one_id_number_one_person_and_sign_up_does_not_tell_whether_it_was_registered(
    client, world, django_capture_on_commit_callbacks
):
    """Issue #11: the same answer either way; the registered owner is told instead."""
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(reverse("signup_youth"), youth_form(id_number=world.our_person.id_number))
    assert not User.objects.filter(username="xiaoming").exists()
    free = client.post(reverse("signup_youth"), youth_form(username="xiaohong", id_number=make_id_number(9)))
    assert User.objects.filter(username="xiaohong").exists()
    assert taken.status_code == free.status_code == 200
    assert _answer(taken) == _answer(free)
    assert Notification.objects.filter(user=world.youth, message__contains="尝试用您的身份证号注册").exists()


def test_host_signs_up_pending_review_and_sees_it_after_signing_in(client):
    response = client.post(reverse("signup_host"), host_form())
    assert response.status_code == 200 and 'data-testid="signup-done"' in response.content.decode()
    host = Host.objects.get(name="北京某某科技有限公司")
    assert host.status == HostStatus.PENDING
    assert host.staff.get().username == "hr_a"
    assert "等待所在区人社局审核" in _signed_in_home(client, "hr_a", host_form()["password1"])


def test_one_credit_code_one_host_and_sign_up_does_not_tell_whether_it_was_registered(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(reverse("signup_host"), host_form(credit_code=world.our_host.credit_code))
    assert not User.objects.filter(username="hr_a").exists()
    free = client.post(reverse("signup_host"), host_form(username="hr_b"))
    assert User.objects.filter(username="hr_b").exists()
    assert _answer(taken) == _answer(free)
    assert Notification.objects.filter(user=world.host_staff, message__contains="统一社会信用代码").exists()


def test_a_taken_username_is_refused_before_the_id_number_is_looked_at(client, world):
    """Otherwise "username taken" for a free ID and "submitted" for a registered one would differ."""
    for id_number in (world.our_person.id_number, make_id_number(9)):
        response = client.post(reverse("signup_youth"), youth_form(username="youth", id_number=id_number))
        assert "该用户名已被使用" in response.content.decode()


def test_sign_up_is_throttled_per_address_and_per_id_number(client, world):
    target = world.our_person.id_number
    for n in range(3):  # three tries of one ID number, from anywhere, per hour
        assert (
            client.post(reverse("signup_youth"), youth_form(username=f"tester{n}", id_number=target)).status_code == 200
        )
    refused = client.post(reverse("signup_youth"), youth_form(username="tester9", id_number=target))
    assert refused.status_code == 429 and "尝试过于频繁" in refused.content.decode()
    # Per address: ten sign-ups an hour, whatever the numbers.
    for n in range(6):
        client.post(reverse("signup_youth"), youth_form(username=f"other{n}", id_number=make_id_number(20 + n)))
    refused = client.post(reverse("signup_youth"), youth_form(username="other9", id_number=make_id_number(40)))
    assert refused.status_code == 429
    assert not User.objects.filter(username="other9").exists()


def test_host_sign_up_with_a_bad_credit_code_names_the_standard(client):
    response = client.post(reverse("signup_host"), host_form(credit_code="91110108MA01AAAA0I"))
    assert "GB 32100" in response.content.decode()
    assert not Host.objects.exists()


def test_mismatched_passwords_are_refused(client):
    response = client.post(reverse("signup_youth"), youth_form(password2="something-else-entirely"))
    assert "两次输入的密码不一致" in response.content.decode()


# --- login throttling (django-axes) --------------------------------------------------------------


def test_login_is_locked_after_repeated_failures_even_with_the_right_password(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "haidian", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "haidian", "password": PASSWORD})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_correct_login_after_a_few_failures_works(client, world):
    client.post(reverse("login"), {"username": "haidian", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "haidian", "password": PASSWORD})
    assert response.status_code == 302


# --- personal data -------------------------------------------------------------------------------


def test_id_number_is_masked_by_default_and_every_reveal_is_recorded(client, world):
    client.force_login(world.district_officer)
    url = reverse("youth:detail", args=[world.our_person.pk])
    page = client.get(url).content.decode()
    assert world.our_person.id_number not in page and world.our_person.id_number_masked in page
    revealed = client.post(reverse("youth:reveal_id", args=[world.our_person.pk]), {"purpose": "核对协议"})
    assert world.our_person.id_number in revealed.content.decode()
    record = IdNumberReveal.objects.get()
    assert (record.viewer, record.person, record.purpose) == (world.district_officer, world.our_person, "核对协议")


def test_reveal_needs_a_purpose_and_records_nothing_without_one(client, world):
    client.force_login(world.district_officer)
    response = client.post(reverse("youth:reveal_id", args=[world.our_person.pk]), {"purpose": ""})
    assert world.our_person.id_number not in response.content.decode()
    assert not IdNumberReveal.objects.exists()


def test_another_districts_officer_cannot_reveal(client, world):
    client.force_login(world.other_district_officer)
    response = client.post(reverse("youth:reveal_id", args=[world.our_person.pk]), {"purpose": "x"})
    assert response.status_code == 404 and not IdNumberReveal.objects.exists()


def test_youth_and_hosts_cannot_reveal(client, world):
    client.force_login(world.youth)
    assert client.post(reverse("youth:reveal_id", args=[world.our_person.pk]), {"purpose": "x"}).status_code == 403


# --- audit ---------------------------------------------------------------------------------------


def test_changes_to_hosts_and_policy_are_kept_with_who_made_them(client, world):
    client.force_login(world.city)
    wage = MinimumWage.objects.get(effective_from=date(2023, 9, 1))
    response = client.post(
        reverse("admin:policy_minimumwage_change", args=[wage.pk]),
        {"city": wage.city_id, "effective_from": "2023-09-01", "amount": "2420.00", "source": "更正后的依据"},
    )
    assert response.status_code == 302
    latest = wage.history.first()
    assert latest.history_user == world.city and latest.source == "更正后的依据"
    assert wage.history.count() == 2  # created by the migration, changed by the city officer


# --- lists: paging, sorting, constant queries ----------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["hosts:list", "youth:list"])
def test_list_pages_run_constant_queries_whatever_their_length(client, world, url_name):
    client.force_login(world.city)
    url = reverse(url_name) + "?size=100"
    before = _queries(client, url)
    HostFactory.create_batch(30)
    PersonFactory.create_batch(30)
    assert _queries(client, url) == before


def test_host_list_pages_sorts_and_filters(client, world):
    HostFactory.create_batch(25, district=District.objects.get(code="110108"))
    client.force_login(world.district_officer)
    first = client.get(reverse("hosts:list") + "?sort=name").content.decode()
    assert "共 26 条" in first and "第 1 / 2 页" in first
    second = client.get(reverse("hosts:list") + "?sort=name&page=2").content.decode()
    assert "第 2 / 2 页" in second
    # bookmarked URLs with nonsense still work
    assert client.get(reverse("hosts:list") + "?sort=password&page=zzz&size=-1").status_code == 200
    pending = client.get(reverse("hosts:list") + "?status=pending").content.decode()
    assert "共 0 条" in pending


# --- calendar coverage ---------------------------------------------------------------------------


@time_machine.travel(date(2026, 11, 26))
def test_city_home_flags_a_year_the_calendar_package_does_not_cover(client, world):
    client.force_login(world.city)
    page = client.get("/").content.decode()
    assert 'data-testid="calendar-gap"' in page and "2027" in page


@time_machine.travel(date(2025, 3, 1))
def test_no_flag_when_this_and_next_year_are_covered(client, world):
    client.force_login(world.city)
    assert 'data-testid="calendar-gap"' not in client.get("/").content.decode()


def test_create_officer_command_makes_a_scoped_officer_and_refuses_a_missing_scope(capsys):
    call_command("create_officer", "ft", role="district", name="丰台区人社局", district="110106", password=PASSWORD)
    assert User.objects.get(username="ft").district.name == "丰台区"
    with pytest.raises(CommandError, match="必须属于且仅属于一个"):
        call_command("create_officer", "nowhere", role="district", name="无区", password=PASSWORD)
    with pytest.raises(CommandError, match="未知的区划代码"):
        call_command("create_officer", "x", role="district", name="x", district="999999", password=PASSWORD)
    assert not User.objects.filter(username__in=["nowhere", "x"]).exists()


def test_officer_exports_the_youth_list_masked_and_scoped(client, world):
    import io

    from openpyxl import load_workbook

    client.force_login(world.district_officer)
    response = client.get(reverse("youth:list"), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [world.our_person.name]
    assert rows[1][1] == world.our_person.id_number_masked
    assert world.our_person.id_number not in str(rows)


def test_excel_exports_never_carry_a_formula_from_user_text():
    import io

    from openpyxl import load_workbook

    from jianxi.core.excel import workbook_bytes

    book = load_workbook(
        io.BytesIO(workbook_bytes([("s", ["名称"], [['=HYPERLINK("http://x")'], ["-1+1"], ["正常"]])]))
    )
    values = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert values == ['\'=HYPERLINK("http://x")', "'-1+1", "正常"]
    assert all(row[0].data_type == "s" for row in book.active.iter_rows(min_row=2))


@pytest.mark.parametrize("value", ["²", "9" * 40, "-1", "1e3", "٣"])
def test_odd_ids_in_query_strings_never_cause_a_server_error(client, world, value):
    client.force_login(world.district_officer)
    assert client.get(reverse("placements:applications"), {"post": value}).status_code == 200
    assert client.get(reverse("subsidies:ledger"), {"year": value, "host": value}).status_code == 200
