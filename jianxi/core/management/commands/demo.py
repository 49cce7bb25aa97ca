"""Load demo data: one account per role and a few hosts and young people in two districts.

Idempotent: every row is looked up by its natural key first, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from jianxi.accounts import services as accounts
from jianxi.accounts.models import Role, User
from jianxi.core.validators import credit_code_check_char, resident_id_check_char
from jianxi.finance.models import YearlyBudget
from jianxi.hosts.models import Host, HostStatus, HostType
from jianxi.outreach.models import Graduate
from jianxi.policy.models import Department, District, PostCategory, University
from jianxi.policy.selectors import current_city
from jianxi.posts import search
from jianxi.posts.models import EducationLevel, Post, PostStatus
from jianxi.recommend.models import DigestFrequency, Preference
from jianxi.subsidies.models import FundYear
from jianxi.youth.models import Education, Group, Person

PASSWORD = "jianxi-demo-2023"  # noqa: S105 -- demo data, printed on purpose


def credit_code(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


def resident_id(body17: str) -> str:
    return body17 + resident_id_check_char(body17)


HOSTS = [
    # (credit code body, name, type, district, department, status)
    ("91110108MA01AAAA0", "北京数智科技有限公司", HostType.TECH_ENTERPRISE, "110108", "science", HostStatus.APPROVED),
    ("12110108MB02BBBB0", "海淀区青少年科技馆", HostType.PUBLIC_INSTITUTION, "110108", "hrss", HostStatus.PENDING),
    ("91110105MA03CCCC0", "朝阳优选电商有限公司", HostType.ECOMMERCE, "110105", "commerce", HostStatus.APPROVED),
    ("52110105MJ04DDDD0", "朝阳区社区服务中心", HostType.SOCIAL_ORG, "110105", "civil_affairs", HostStatus.PENDING),
]

PERSONS = [
    # (id body, name, phone, group, district, university code, graduated how many days ago)
    ("11010820010315002", "李明", "13800010001", Group.COLLEGE_GRADUATE, "110108", "10001", 200),
    ("11010520020418004", "王芳", "13800010002", Group.COLLEGE_GRADUATE, "110105", "10003", 400),
    ("11010820040102003", "张伟", "13800010003", Group.UNEMPLOYED_YOUTH, "110108", None, None),
    ("11010520030909006", "刘洋", "13800010004", Group.TECHNICIAN_GRADUATE, "110105", None, 300),
]


POSTS = [
    # (host credit body, title, category, majors, education, status)
    ("91110108MA01AAAA0", "数据分析师助理", "technical", "统计学、数学", EducationLevel.BACHELOR, PostStatus.PUBLISHED),
    (
        "91110108MA01AAAA0",
        "软件开发见习生",
        "technical",
        "计算机科学与技术、软件工程",
        EducationLevel.BACHELOR,
        PostStatus.PUBLISHED,
    ),
    (
        "91110108MA01AAAA0",
        "人工智能算法见习研究员",
        "research",
        "人工智能、自动化",
        EducationLevel.MASTER,
        PostStatus.SUBMITTED,
    ),
    ("91110108MA01AAAA0", "行政管理见习岗", "management", "", EducationLevel.JUNIOR_COLLEGE, PostStatus.DRAFT),
    (
        "91110105MA03CCCC0",
        "电商运营助理",
        "ecommerce",
        "电子商务、市场营销",
        EducationLevel.JUNIOR_COLLEGE,
        PostStatus.PUBLISHED,
    ),
    ("91110105MA03CCCC0", "直播带货见习主播", "ecommerce", "", EducationLevel.ANY, PostStatus.PUBLISHED),
]


class Command(BaseCommand):
    help = "Load demo accounts and data (idempotent) and print the demo logins."

    def _posts(self, departments: dict[str, Department]) -> None:
        today = timezone.localdate()
        categories = {c.code: c for c in PostCategory.objects.all()}
        for body, title, category, majors, education, status in POSTS:
            host = Host.objects.get(credit_code=credit_code(body))
            if Post.objects.filter(host=host, title=title).exists():
                continue
            description = f"{host.name}{title}：在带教老师指导下参与日常工作，按月考勤，提供岗前培训。"
            Post.objects.create(
                host=host,
                title=title,
                category=categories[category],
                description=description,
                education=education,
                majors=majors,
                headcount=3,
                months=6,
                allowance=Decimal("3000.00"),
                district=host.district,
                department=host.department,
                recruit_start=today,
                recruit_end=today + timedelta(days=45),
                expires_on=today + timedelta(days=75),
                status=status,
                published_at=timezone.now() if status == PostStatus.PUBLISHED else None,
                submitted_at=timezone.now() if status in (PostStatus.PUBLISHED, PostStatus.SUBMITTED) else None,
                search_document=search.document(title, majors, categories[category].name, host.name, description),
            )

    def _placement(self, youth: Person) -> None:
        """李明 placed three months ago at 北京数智科技, with attendance and a submitted claim.

        Made through the services, as a host and a young person would, so the demo obeys the
        same rules (R-IN-1, R-EL-1, attendance limits, R-SUB-4) as real data.
        """
        from jianxi.core.errors import RuleError
        from jianxi.placements import attendance, services
        from jianxi.placements.models import Agreement
        from jianxi.policy.engine import add_months
        from jianxi.subsidies.services import claim_prepare, claim_submit

        if Agreement.objects.filter(person=youth).exists():
            return
        host_user = User.objects.get(username="host")
        post = Post.objects.get(title="数据分析师助理", host=host_user.host)
        today = timezone.localdate()
        start = add_months(today.replace(day=1), -3)
        youth_user = User.objects.get(person=youth)
        try:
            app = services.application_apply(actor=youth_user, post_id=post.pk, today=today)
            services.application_move(actor=host_user, application_id=app.pk, action="offer")
            services.application_move(actor=youth_user, application_id=app.pk, action="accept")
            terms = services.AgreementTerms(
                start=start,
                end=add_months(start, 6) - timedelta(days=1),
                allowance=Decimal("3000.00"),
                mentor="王老师",
                training_date=start,
                insurance_policy="PICC-DEMO-0001",
            )
            agreement = services.agreement_create(actor=host_user, application_id=app.pk, terms=terms)
            services.agreement_confirm(actor=host_user, agreement_id=agreement.pk)
            services.agreement_confirm(actor=youth_user, agreement_id=agreement.pk)
            grid = attendance.attendance_grid(agreement=agreement, today=today)
            ended = {row.key: max(row.scheduled_days - 1, 0) for row in grid if row.month < today.replace(day=1)}
            attendance.attendance_record(actor=host_user, agreement_id=agreement.pk, days=ended, today=today)
            claim = claim_prepare(actor=host_user, host_id=post.host_id, today=today)
            if claim is not None:
                claim_submit(actor=host_user, claim_id=claim.pk)
        except RuleError as err:  # e.g. a year the calendar does not cover yet
            self.stderr.write(f"demo placement skipped: {err.message}")

    def _registry(self, youth: Person) -> None:
        """A small social-insurance extract loaded by 海淀区: 李明 insured by another employer last
        month, so that the submitted claim's last month is flagged (比对数据, R-EL-7)."""
        from jianxi.registry import services
        from jianxi.registry.adapters import Insurance, rows_from_json
        from jianxi.registry.models import Channel, Load

        if Load.objects.exists():
            return
        today = timezone.localdate()
        last_month_end = today.replace(day=1) - timedelta(days=1)
        row = {
            "id_number": youth.id_number,
            "employer_code": credit_code(HOSTS[1][0]),
            "start": last_month_end.replace(day=1).isoformat(),
            "end": last_month_end.isoformat(),
        }
        services.load_extract(
            actor=User.objects.get(username="haidian"),
            adapter=Insurance,
            rows=rows_from_json(Insurance, [row]),
            channel=Channel.FILE,
            file_name="示例：海淀区社保参保比对数据.xlsx",
        )

    def _recommendations(self, youth: Person) -> None:
        """李明's major and his recommendation preferences (为你推荐, 新岗位推荐 weekly), once."""
        from jianxi.recommend import services as recommend

        if not youth.major:
            youth.major = "数据科学与大数据技术"
            youth.save(update_fields=["major"])
        if youth.user is None or Preference.objects.filter(person=youth).exists():
            return
        recommend.preference_save(
            actor=youth.user,
            districts=District.objects.filter(code="110108"),
            categories=PostCategory.objects.filter(code__in=["technical", "research"]),
            digest=DigestFrequency.WEEKLY,
            now=timezone.now(),
        )

    def _graduates(self, university: University, youth: Person) -> None:
        """北京大学's list of graduates not yet employed (高校推送): 李明, registered, and two
        invited to register (marked invited: the demo sends no message)."""
        today = timezone.localdate()
        rows = [
            (youth.id_number, youth.name, "统计学", youth.phone, "", youth),
            (
                resident_id("11010820020611005"),
                "赵敏",
                "数据科学与大数据技术",
                "13800010005",
                "zhaomin@example.com",
                None,
            ),
            (resident_id("11010820030201007"), "孙磊", "汉语言文学", "13800010006", "", None),
        ]
        for id_number, name, major, phone, email, person in rows:
            Graduate.objects.get_or_create(
                university=university,
                id_number=id_number,
                defaults={
                    "name": name,
                    "school": university.name,
                    "major": major,
                    "education": Education.BACHELOR,
                    "graduation_date": today - timedelta(days=150),
                    "phone": phone,
                    "email": email,
                    "person": person,
                    "invited_at": None if person else timezone.now(),
                },
            )

    @transaction.atomic
    def _event(self) -> None:
        """An upcoming published matching event (对接活动) of 海淀区 featuring two of its posts."""
        from jianxi.events import services as events
        from jianxi.events.models import Event, EventKind

        title = "海淀区就业见习专场招聘会（示例）"
        if Event.objects.filter(title=title).exists():
            return
        officer = User.objects.get(username="haidian")
        posts = Post.objects.filter(status=PostStatus.PUBLISHED, host__district__code="110108").order_by("pk")
        start = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(days=7)
        data = events.EventData(
            kind=EventKind.FAIR,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            place="海淀区人才市场（海淀区示范路 1 号）",
            online_link="",
            capacity=100,
            description="海淀区见习单位现场招募，可当场通过活动申请推介岗位。",
            district_id=None,
            post_ids=[p.pk for p in posts[:2]],
        )
        event = events.event_save(actor=officer, data=data)
        events.event_publish(actor=officer, event_id=event.pk)

    def handle(self, *args: Any, **options: Any) -> None:
        districts = {d.code: d for d in District.objects.all()}
        departments = {d.code: d for d in Department.objects.all()}
        universities = {u.code: u for u in University.objects.all()}

        for number, (body, name, kind, district, department, status) in enumerate(HOSTS, start=1):
            Host.objects.get_or_create(
                credit_code=credit_code(body),
                defaults={
                    "name": name,
                    "host_type": kind,
                    "district": districts[district],
                    "department": departments[department],
                    "address": f"北京市{districts[district].name}示范路 1 号",
                    "contact_name": "联系人",
                    "contact_phone": "13900000000",
                    "bank_name": "北京银行",
                    "bank_account": f"622200000000{number:04d}",
                    "status": status,
                },
            )
        today = timezone.localdate()
        for body, name, phone, group, district, uni, days_ago in PERSONS:
            graduated = today - timedelta(days=days_ago) if days_ago is not None else None
            Person.objects.get_or_create(
                id_number=resident_id(body),
                defaults={
                    "name": name,
                    "birth_date": date(int(body[6:10]), int(body[10:12]), int(body[12:14])),
                    "phone": phone,
                    "group": group,
                    "district": districts[district],
                    "university": universities.get(uni or ""),
                    "school": universities[uni].name if uni else "",
                    "education": Education.BACHELOR if uni else "",
                    "graduation_date": graduated,
                    "beijing_origin": True,
                    "beijing_hukou": True,
                    "registered_unemployed": group == Group.UNEMPLOYED_YOUTH,
                },
            )

        self._posts(departments)

        logins: list[tuple[str, Role, str, dict[str, Any]]] = [
            ("city", Role.CITY, "市人社局 张科长", {}),
            ("haidian", Role.DISTRICT, "海淀区人社局 王老师", {"district": districts["110108"]}),
            ("chaoyang", Role.DISTRICT, "朝阳区人社局 陈老师", {"district": districts["110105"]}),
            ("kewei", Role.DEPARTMENT, "市科委 赵老师", {"department": departments["science"]}),
            ("pku", Role.UNIVERSITY, "北京大学就业指导中心", {"university": universities["10001"]}),
            ("caizheng", Role.FINANCE, "市财政局 社保处", {}),
        ]
        for username, role, display, scope in logins:
            if not User.objects.filter(username=username).exists():
                accounts.officer_create(username=username, password=PASSWORD, role=role, display_name=display, **scope)
        host = Host.objects.get(credit_code=credit_code(HOSTS[0][0]))
        if not User.objects.filter(username="host").exists():
            user = User(username="host", role=Role.HOST, display_name="数智科技 人事部", host=host)
            user.set_password(PASSWORD)
            user.save()
        youth = Person.objects.get(id_number=resident_id(PERSONS[0][0]))
        if youth.user_id is None:
            user = User(username="youth", role=Role.YOUTH, display_name=youth.name)
            user.set_password(PASSWORD)
            user.save()
            youth.user = user
            youth.save(update_fields=["user"])

        self._placement(youth)
        self._registry(youth)
        self._recommendations(youth)
        self._event()
        self._graduates(universities["10001"], youth)
        YearlyBudget.objects.get_or_create(
            city=current_city(),
            year=timezone.localdate().year,
            district=None,
            defaults={"amount": Decimal("30000000.00"), "source": "示例：市财政年度就业补助资金安排"},
        )
        # Claim deadlines: last year's months until the end of this March, this year's until next March.
        for year in (today.year - 1, today.year):
            FundYear.objects.get_or_create(
                year=year,
                defaults={"claim_deadline": date(year + 1, 3, 31), "source": "示例：市人社局、市财政局年度结算通知"},
            )
        # Last year and this year so far in six districts, so that the dashboards are alive.
        from jianxi.oversight import demo, refresh

        demo.load_history(today)
        refresh.refresh_all(today=today)
        self.stdout.write(f"Demo logins (password for all: {PASSWORD})")
        rows = [
            ("city", "市人社局 city officer (also the admin at /admin/)"),
            ("haidian", "海淀区人社局 district officer"),
            ("chaoyang", "朝阳区人社局 district officer"),
            ("kewei", "市科委 department officer"),
            ("pku", "北京大学 university officer"),
            ("caizheng", "市财政局 finance officer (read-only budget and money)"),
            ("host", "北京数智科技有限公司 host staff"),
            ("youth", "李明 young person"),
        ]
        for username, label in rows:
            self.stdout.write(f"  {username:<10} {label}")
