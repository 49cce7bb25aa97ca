"""Demo history for the dashboard (``manage.py demo``): last year and this year so far in six districts.

A few hundred rows, made directly (a real city's history would come from its own records), but
consistent with the rules: posts first published on a day of the year, agreements that start
after it and end as R-IN-3 allows, paid claims whose lines add up to the ledger. Seeded, so the
demo is the same every time; skipped when its first host exists (idempotent).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from jianxi.core.validators import credit_code_check_char, resident_id_check_char
from jianxi.hosts.models import Host, HostStatus, HostType
from jianxi.oversight.models import DepartmentTarget, DistrictTarget
from jianxi.placements.models import Agreement, AgreementStatus, Outcome
from jianxi.policy.engine import add_months
from jianxi.policy.engine.dates import month_first, month_last
from jianxi.policy.models import City, Department, District, PostCategory, University, YearlyTarget
from jianxi.posts import search
from jianxi.posts.models import Post, PostStatus
from jianxi.subsidies.models import Claim, ClaimLine, ClaimStatus, EntryKind, LedgerEntry, LineStatus
from jianxi.youth.models import Education, Group, Person

SOURCE = "演示数据"
# (district, department, host type, category, name)
HOSTS = [
    ("110108", "science", HostType.TECH_ENTERPRISE, "technical", "海淀智算科技有限公司"),
    ("110108", "education", HostType.UNIVERSITY, "research", "海淀某高校实验中心"),
    ("110105", "commerce", HostType.ECOMMERCE, "ecommerce", "朝阳云购电商有限公司"),
    ("110105", "sasac", HostType.STATE_OWNED, "management", "朝阳城建集团有限公司"),
    ("110101", "civil_affairs", HostType.COMMUNITY, "social_service", "东城区社区服务中心"),
    ("110102", "hrss", HostType.PUBLIC_INSTITUTION, "management", "西城区人才服务中心"),
    ("110106", "economy", HostType.MANUFACTURING, "technical", "丰台精密制造有限公司"),
    ("110112", "federation", HostType.PRIVATE, "management", "通州商贸有限公司"),
]
# Posts published per month: a city recruits most before and after graduation.
SEASON = [3, 3, 5, 6, 8, 9, 9, 6, 5, 4, 3, 2]
TITLES = {
    "technical": "技术见习生",
    "research": "科研助理",
    "ecommerce": "电商运营助理",
    "management": "综合管理见习岗",
    "social_service": "社区服务见习岗",
}


def _credit(n: int) -> str:
    body = f"91110000MA{n:07d}"
    return body + credit_code_check_char(body)


def _resident(n: int) -> str:
    body = f"110101{date(2000, 1, 1) + timedelta(days=n * 7):%Y%m%d}{n % 1000:03d}"
    return body + resident_id_check_char(body)


def load_history(today: date) -> bool:
    """Load the history once; False when it is there already."""
    if Host.objects.filter(credit_code=_credit(0)).exists():
        return False
    rng = random.Random(20231)  # noqa: S311 -- demo data, the same every time
    districts = {d.code: d for d in District.objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    categories = {c.code: c for c in PostCategory.objects.all()}
    universities = list(University.objects.all())
    hosts = [
        Host(
            credit_code=_credit(n),
            name=name,
            host_type=kind,
            district=districts[district],
            department=departments[department],
            address=f"北京市{districts[district].name}演示路 {n + 1} 号",
            contact_name="联系人",
            contact_phone="13900000000",
            bank_name="北京银行",
            bank_account=f"6222000099{n:06d}",
            status=HostStatus.APPROVED,
            reviewed_at=timezone.now(),
        )
        for n, (district, department, kind, _, name) in enumerate(HOSTS)
    ]
    Host.objects.bulk_create(hosts)
    hosts = list(Host.objects.filter(credit_code__in=[h.credit_code for h in hosts]).order_by("credit_code"))
    tz = timezone.get_default_timezone()
    posts: list[Post] = []
    for year in (today.year - 1, today.year):
        for month, count in enumerate(SEASON, start=1):
            for _ in range(count):
                day = date(year, month, rng.randint(1, 28))
                if day > today:
                    continue
                n = rng.randrange(len(hosts))
                host, category = hosts[n], categories[HOSTS[n][3]]
                title = TITLES[category.code]
                description = f"{host.name}{title}：在带教老师指导下参与日常工作，提供岗前培训。"
                expires = day + timedelta(days=90)
                posts.append(
                    Post(
                        host=host,
                        title=title,
                        category=category,
                        description=description,
                        headcount=rng.choice((1, 2, 2, 3, 4)),
                        months=6,
                        allowance=Decimal("3000.00"),
                        district=host.district,
                        department=host.department,
                        recruit_start=day,
                        recruit_end=day + timedelta(days=45),
                        expires_on=expires,
                        status=PostStatus.PUBLISHED if expires >= today else PostStatus.EXPIRED,
                        submitted_at=datetime.combine(day - timedelta(days=2), time(10), tz),
                        published_at=datetime.combine(day, time(rng.randint(9, 17)), tz),
                        search_document=search.document(title, "", category.name, host.name, description),
                    )
                )
    posts = Post.objects.bulk_create(posts)
    people: list[Person] = []
    agreements: list[Agreement] = []
    for post in posts:
        published = timezone.localdate(post.published_at)
        for _ in range(rng.randint(0, post.headcount)):
            start = published + timedelta(days=rng.randint(15, 40))
            if start > today:
                continue
            n = len(people)
            graduate = rng.random() < 0.8
            uni = rng.choice(universities) if graduate else None
            people.append(
                Person(
                    id_number=_resident(n),
                    name=f"演示见习{n + 1}",
                    birth_date=date(2000, 1, 1) + timedelta(days=n * 7),
                    phone="13800000000",
                    group=Group.COLLEGE_GRADUATE if graduate else Group.UNEMPLOYED_YOUTH,
                    district=post.district,
                    university=uni,
                    school=uni.name if uni else "",
                    education=Education.BACHELOR if graduate else "",
                    graduation_date=start - timedelta(days=60) if graduate else None,
                    beijing_origin=True,
                    beijing_hukou=True,
                    registered_unemployed=not graduate,
                )
            )
            end = add_months(start, rng.choice((3, 6, 6, 12))) - timedelta(days=1)
            agreement = Agreement(
                post=post,
                host=post.host,
                start=start,
                end=end,
                allowance=Decimal("3000.00"),
                mentor="带教老师",
                training_date=start,
                insurance_policy=f"PICC-DEMO-{n:04d}",
                status=AgreementStatus.ACTIVE,
                eligibility_rule="R-EL-1",
                host_confirmed_at=post.published_at,
                youth_confirmed_at=post.published_at,
            )
            roll = rng.random()
            if end < today:
                agreement.status, agreement.outcome, agreement.ended_on = AgreementStatus.ENDED, Outcome.COMPLETED, end
                agreement.retained = rng.random() < 0.5
            elif roll < 0.15 and start + timedelta(days=40) < today:
                last = start + timedelta(days=rng.randint(30, 40))
                agreement.status, agreement.ended_on = AgreementStatus.ENDED, last
                agreement.outcome = Outcome.HIRED if roll < 0.07 else Outcome.TERMINATED
                agreement.retained = agreement.outcome == Outcome.HIRED
                if agreement.outcome == Outcome.HIRED:
                    agreement.contract_start, agreement.contract_months = last + timedelta(days=1), 12
                else:
                    agreement.outcome_reason = "个人原因"
            agreements.append(agreement)
    people = Person.objects.bulk_create(people)
    for agreement, person in zip(agreements, people, strict=True):
        agreement.person = person
    agreements = Agreement.objects.bulk_create(agreements)
    _claims(agreements, today)
    _targets(today, districts, departments)
    return True


def _claims(agreements: list[Agreement], today: date) -> None:
    """Ended internships' months claimed, approved 20 days after the end and paid 15 days later."""
    top_up = {"110108": Decimal("300.00"), "110105": Decimal("200.00")}
    claims, lines, entries = [], [], []
    for agreement in agreements:
        approved_on = agreement.last_day + timedelta(days=20)
        if agreement.status != AgreementStatus.ENDED or approved_on > today:
            continue
        paid_on = approved_on + timedelta(days=15)
        claim = Claim(
            host=agreement.host,
            status=ClaimStatus.PAID if paid_on <= today else ClaimStatus.APPROVED,
            submitted_at=timezone.now(),
            reviewed_at=timezone.now(),
        )
        district_part = top_up.get(agreement.host.district.code, Decimal("0.00"))
        month, months = month_first(agreement.start), []
        while month <= agreement.last_day:
            months.append(month)
            month = add_months(month, 1)
        claim_lines = []
        for month in months:
            days = (min(month_last(month), agreement.last_day) - max(month, agreement.start)).days + 1
            whole = month_last(month).day
            city = (Decimal("2420.00") * days / whole).quantize(Decimal("0.01"))
            district = (district_part * days / whole).quantize(Decimal("0.01"))
            claim_lines.append(
                ClaimLine(
                    agreement=agreement,
                    kind="monthly",
                    month=month,
                    working_days=21,
                    scheduled_days=21,
                    attended_days=21,
                    rate=Decimal("2420.00"),
                    city=city,
                    addons=Decimal("0.00"),
                    district=district,
                    amount=city + district,
                    rules="R-SUB-1",
                    status=LineStatus.APPROVED,
                )
            )
        claim.approved_total = sum((line.amount for line in claim_lines), Decimal("0.00"))
        claims.append((claim, claim_lines, approved_on, paid_on))
    Claim.objects.bulk_create([c for c, *_ in claims])
    for claim, claim_lines, approved_on, paid_on in claims:
        for line in claim_lines:
            line.claim = claim
            lines.append(line)
        entries.append(
            LedgerEntry.entry(
                kind=EntryKind.APPROVED,
                host=claim.host,
                claim=claim,
                amount=claim.approved_total,
                on=approved_on,
                actor=None,
            )
        )
        if claim.status == ClaimStatus.PAID:
            entries.append(
                LedgerEntry.entry(
                    kind=EntryKind.PAID,
                    host=claim.host,
                    claim=claim,
                    amount=claim.approved_total,
                    on=paid_on,
                    actor=None,
                )
            )
    ClaimLine.objects.bulk_create(lines)
    LedgerEntry.objects.bulk_create(entries)


def _targets(today: date, districts: dict[str, District], departments: dict[str, Department]) -> None:
    """Demo targets scaled to the demo (the real ones are the city's, e.g. 6,000 posts in 2023)."""
    city = City.objects.get(code="110000")
    for year, posts in ((today.year - 1, 260), (today.year, 300)):
        YearlyTarget.objects.get_or_create(city=city, year=year, defaults={"posts": posts, "source": SOURCE})
    for code, posts, placements in (("110108", 80, 60), ("110105", 70, 50), ("110101", 30, None)):
        DistrictTarget.objects.get_or_create(
            district=districts[code],
            year=today.year,
            defaults={"posts": posts, "placements": placements, "source": SOURCE},
        )
    for code, posts in (("science", 50), ("commerce", 40), ("sasac", 40), ("hrss", 30)):
        DepartmentTarget.objects.get_or_create(
            department=departments[code], year=today.year, defaults={"posts": posts, "source": SOURCE}
        )
