"""Bulk import of posts from Excel (见习岗位批量导入).

Three steps, so that the checking can be read and tested without a database (the file guards,
row types and cell parsers are every import's, from ``jianxi.core.imports``):

* ``read_sheet`` turns an uploaded file into ``SheetRow``s (the cell values under each Chinese
  header) or refuses the whole file with an ``ImportFileError``;
* ``parse_row`` turns one ``SheetRow`` into a ``ParsedRow`` (a ``PostData`` and its host) or the
  list of *all* that row's errors, given ``Lookups`` (reference data and the hosts the actor may
  import for) — pure, no queries;
* ``posts_import`` is the one write: it builds the lookups in a constant number of queries,
  parses every row and, unless a row is wrong and the user did not ask to import the valid rows,
  creates the posts in one transaction, set-based, each with its history row.

A host's imported posts are drafts (it submits them for review as usual), and only an approved
host imports; a district or city officer's are published at once, the officer being the
reviewer. ``KIND`` is what the shared import pages and jobs (``jianxi.core.import_jobs``) run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import scoped
from jianxi.core import audit
from jianxi.core import imports as core
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet
from jianxi.core.hooks import stats_changed
from jianxi.core.imports import (
    BATCH_SIZE,
    CHANGE_REASON,
    HELP_TITLE,
    MAX_ROWS,
    ImportKind,
    RowChecker,
    RowError,
    SheetLayout,
    SheetRow,
    by_name_and_code,
    cell_text,
    check_rows,
    choice_cell,
    date_cell,
    fold,
    integer_cell,
    money_cell,
    read_xlsx,
    text_cell,
)
from jianxi.core.imports import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES  # re-exported: the tests know it here
from jianxi.core.imports import ImportFileError as ImportFileError  # re-exported: the tests know it here
from jianxi.core.notify import notify
from jianxi.core.validators import parse_credit_code
from jianxi.hosts.models import Host, HostStatus
from jianxi.policy.models import Department, District, PostCategory
from jianxi.posts import search
from jianxi.posts.events import PostChange, posts_changed
from jianxi.posts.models import EducationLevel, Post, PostStatus
from jianxi.posts.services import PostData, post_validate

SHEET_TITLE = "见习岗位"
IMPORTERS = (Role.HOST, Role.DISTRICT, Role.CITY)

CREDIT_CODE = "统一社会信用代码"
TITLE = "岗位名称"
CATEGORY = "岗位类别"
DESCRIPTION = "岗位职责"
EDUCATION = "学历要求"
MAJORS = "专业要求"
HEADCOUNT = "招募人数"
MONTHS = "见习期限（月）"
ALLOWANCE = "生活费（元/月）"
DISTRICT = "工作地点（区）"
DEPARTMENT = "募集部门"
RECRUIT_START = "招募开始日期"
RECRUIT_END = "招募截止日期"
EXPIRES_ON = "岗位有效期至"
HEADERS = (
    CREDIT_CODE, TITLE, CATEGORY, DESCRIPTION, EDUCATION, MAJORS, HEADCOUNT, MONTHS, ALLOWANCE,
    DISTRICT, DEPARTMENT, RECRUIT_START, RECRUIT_END, EXPIRES_ON,
)  # fmt: skip
# PostData field → column, to place a post_validate refusal on the column it concerns.
FIELD_COLUMNS = {
    "title": TITLE, "category": CATEGORY, "description": DESCRIPTION, "education": EDUCATION, "majors": MAJORS,
    "headcount": HEADCOUNT, "months": MONTHS, "allowance": ALLOWANCE, "district": DISTRICT,
    "department": DEPARTMENT, "recruit_start": RECRUIT_START, "recruit_end": RECRUIT_END, "expires_on": EXPIRES_ON,
}  # fmt: skip
MAX_LENGTHS = {TITLE: 100, DESCRIPTION: 5000, MAJORS: 200}
# Words clerks write for an education level besides its label (中专/技工院校 → either half).
EDUCATION_ALIASES = {
    "不限": EducationLevel.ANY, "中专": EducationLevel.SECONDARY, "技工院校": EducationLevel.SECONDARY,
    "大专": EducationLevel.JUNIOR_COLLEGE, "专科": EducationLevel.JUNIOR_COLLEGE, "本科": EducationLevel.BACHELOR,
    "硕士": EducationLevel.MASTER, "研究生": EducationLevel.MASTER, "博士": EducationLevel.DOCTORATE,
}  # fmt: skip
PUBLISH_REASONS = {Role.DISTRICT: "区人社局批量导入", Role.CITY: "市人社局批量导入"}
UNKNOWN_HOST = "未找到该统一社会信用代码对应的见习单位。"
UNKNOWN_DISTRICT_HOST = "未找到该统一社会信用代码对应的本区见习单位。"

SHEET = SheetLayout(SHEET_TITLE, HEADERS, noun="岗位")


@dataclass(frozen=True)
class ParsedRow:
    row: int
    host: Host
    data: PostData


@dataclass(kw_only=True)
class ImportReport(core.ImportReport):
    published: bool = False  # the created posts were published (an officer's import), not drafts
    # Valid rows that match a post the host already has in every column: a corrected file
    # uploaded again after "import valid rows" does not create them twice.
    already_imported: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Lookups:
    """What ``parse_row`` needs from the database, fetched once per import."""

    categories: Mapping[str, PostCategory]  # by folded name and code
    districts: Mapping[str, District]
    departments: Mapping[str, Department]
    hosts: Mapping[str, Host]  # by credit code: the hosts in the actor's scope named in the file
    today: date
    own_host: Host | None = None  # a host's staff imports for this host only
    unknown_host: str = UNKNOWN_HOST
    education: Mapping[str, int] = field(default_factory=lambda: education_names())


def read_sheet(source: IO[bytes] | bytes) -> list[SheetRow]:
    """The non-blank data rows of the posts sheet (named 见习岗位, else the first sheet)."""
    return read_xlsx(source, SHEET, max_rows=MAX_ROWS)


# --- checking one row (pure) ---------------------------------------------------------------------

_allowance = money_cell("生活费", Decimal("100000"))
_date = date_cell("2024-03-01")


def _limited(column: str) -> Callable[[Any], str]:
    return text_cell(column, MAX_LENGTHS[column])


def _host(check: RowChecker, lookups: Lookups) -> Host | None:
    value = check.row.values.get(CREDIT_CODE)
    text = cell_text(value)
    if lookups.own_host is not None:
        if text and text.upper() != lookups.own_host.credit_code:
            check.fail(CREDIT_CODE, "只能导入本单位的岗位：请留空，或填写本单位的统一社会信用代码。")
            return None
        return lookups.own_host
    if not text:
        check.fail(CREDIT_CODE, "请填写见习单位的统一社会信用代码。")
        return None
    try:
        code = parse_credit_code(text)
    except RuleError as err:
        hint = "（该列请设置为文本格式，以免 Excel 改写长数字）" if isinstance(value, int | float) else ""
        check.fail(CREDIT_CODE, err.message + hint)
        return None
    host = lookups.hosts.get(code)
    if host is None:
        check.fail(CREDIT_CODE, lookups.unknown_host)
        return None
    if host.status != HostStatus.APPROVED:
        check.fail(
            CREDIT_CODE, f"见习单位“{host.name}”当前状态为“{host.get_status_display()}”，审核通过后才能导入岗位。"
        )
        return None
    return host


def parse_row(row: SheetRow, lookups: Lookups) -> ParsedRow | list[RowError]:
    """One row as a post to create, or every problem of the row (in column order)."""
    check = RowChecker(row)
    host = _host(check, lookups)
    title = check.cell(TITLE, _limited(TITLE))
    category = check.cell(CATEGORY, choice_cell(lookups.categories, "请填写岗位类别名称，如 技术技能类。"))
    description = check.cell(DESCRIPTION, _limited(DESCRIPTION))
    education = check.cell(EDUCATION, choice_cell(lookups.education, "请填写如 大学本科，不限学历填“不限”。"))
    majors = check.cell(MAJORS, _limited(MAJORS), required=False)
    headcount = check.cell(HEADCOUNT, integer_cell(1, 999, "招募人数应在 1 至 999 之间。"))
    months = check.cell(MONTHS, integer_cell(3, 12, "见习期限应为 3 至 12 个月（R-IN-1）。"))
    allowance = check.cell(ALLOWANCE, _allowance)
    district = check.cell(DISTRICT, choice_cell(lookups.districts, "请填写区名（如 海淀区）或区划代码（如 110108）。"))
    department = check.cell(
        DEPARTMENT, choice_cell(lookups.departments, "请填写募集部门名称（如 科技部门），或留空。"), required=False
    )
    start = check.cell(RECRUIT_START, _date)
    end = check.cell(RECRUIT_END, _date)
    expires = check.cell(EXPIRES_ON, _date)
    if start is not None and end is not None and end < start:
        check.fail(RECRUIT_END, "招募截止日期不能早于开始日期。")
    if end is not None and expires is not None and expires < end:
        check.fail(EXPIRES_ON, "岗位有效期不能早于招募截止日期。")
    if expires is not None and expires < lookups.today:
        check.fail(EXPIRES_ON, "岗位有效期已过。")
    if check.errors:
        return check.errors
    assert host is not None and category is not None and education is not None and district is not None
    assert title is not None and description is not None and headcount is not None and months is not None
    assert allowance is not None and start is not None and end is not None and expires is not None
    data = PostData(
        title=title,
        category=category,
        description=description,
        education=education,
        majors=majors or "",
        headcount=headcount,
        months=months,
        allowance=allowance,
        district=district,
        recruit_start=start,
        recruit_end=end,
        expires_on=expires,
        department=department or host.department,
    )
    try:  # the service's own rules have the last word
        post_validate(data)
    except RuleError as err:
        return [RowError(row=row.number, column=FIELD_COLUMNS.get(err.field or "", ""), message=err.message)]
    return ParsedRow(row=row.number, host=host, data=data)


def education_names() -> dict[str, int]:
    """Education levels by Chinese label (whatever the page's language) and common short names."""
    with translation.override("zh-hans"):
        names = {fold(str(label)): int(value) for value, label in EducationLevel.choices}
    names.update({fold(k): int(v) for k, v in EDUCATION_ALIASES.items()})
    return names


# --- the write -----------------------------------------------------------------------------------


def authorise(actor: User) -> Host | None:
    """Refuse (RuleError) an actor who may not import posts: another role, or a host's staff
    whose host is not approved (a pending host cannot publish, so it does not import either).
    A host's staff get their host back."""
    role = getattr(actor, "role", None)
    if role not in IMPORTERS:
        raise RuleError("import.role", gettext("只有见习单位、区人社局和市人社局可以批量导入岗位。"))
    if role != Role.HOST:
        return None
    host = Host.objects.select_related("department").filter(pk=actor.host_id).first() if actor.host_id else None
    if host is None:
        raise RuleError("import.host", gettext("账号尚未关联见习单位，不能导入岗位。"))
    if host.status == HostStatus.BARRED:
        raise RuleError("R-SUB-6", gettext("本单位已被禁入见习计划，不能导入岗位（R-SUB-6）。"))
    if host.status != HostStatus.APPROVED:
        raise RuleError(
            "import.host_not_approved",
            gettext("本单位当前状态为“%(status)s”，审核通过后才能批量导入岗位。")
            % {"status": host.get_status_display()},
        )
    return host


def import_lookups(*, actor: User, rows: Sequence[SheetRow], today: date) -> Lookups:
    """The reference data and the hosts ``actor`` may import for, in four queries.

    Refuses (RuleError) what ``authorise`` refuses.
    """
    host = authorise(actor)
    categories = by_name_and_code(PostCategory.objects.all())
    districts = by_name_and_code(District.objects.all())
    departments = by_name_and_code(Department.objects.all())
    role = actor.role
    if host is not None:
        return Lookups(
            categories=categories,
            districts=districts,
            departments=departments,
            hosts={host.credit_code: host},
            own_host=host,
            today=today,
        )
    codes = {code for code in (cell_text(row.values.get(CREDIT_CODE)).upper() for row in rows) if code}
    hosts = (
        list(scoped(actor, Host.objects.select_related("department")).filter(credit_code__in=codes)) if codes else []
    )
    return Lookups(
        categories=categories,
        districts=districts,
        departments=departments,
        hosts={h.credit_code: h for h in hosts},
        unknown_host=UNKNOWN_DISTRICT_HOST if role == Role.DISTRICT else UNKNOWN_HOST,
        today=today,
    )


def _post(parsed: ParsedRow, *, status: str, reason: str, now: datetime) -> Post:
    post = Post(host=parsed.host, status=status, status_reason=reason, **parsed.data.__dict__)
    if status == PostStatus.PUBLISHED:
        post.published_at = now
    post.search_document = search.document(
        post.title, post.majors, parsed.data.category.name, parsed.host.name, post.description
    )
    return post


def posts_import(
    *, actor: User, rows: Sequence[SheetRow], import_valid_rows: bool, today: date | None = None
) -> ImportReport:
    """Check every row; create the valid ones in one transaction unless a row is wrong and
    ``import_valid_rows`` is False, in which case nothing is created."""
    today = today or timezone.localdate()
    lookups = import_lookups(actor=actor, rows=rows, today=today)
    valid, errors = check_rows(rows, lambda row: parse_row(row, lookups))
    publish = actor.role in PUBLISH_REASONS
    report = ImportReport(created=0, errors=errors, total_rows=len(rows), published=publish)
    if not valid or (errors and not import_valid_rows):
        return report
    now = timezone.now()
    status = PostStatus.PUBLISHED if publish else PostStatus.DRAFT
    with transaction.atomic():
        # The hosts may have been barred or suspended since they were read: lock and look again.
        host_ids = {p.host.pk for p in valid}
        still = set(
            Host.objects.select_for_update()
            .filter(pk__in=host_ids, status=HostStatus.APPROVED)
            .values_list("pk", flat=True)
        )
        if still != host_ids:
            raise RuleError("import.host_changed", gettext("导入期间有见习单位的状态发生了变化，请重新上传文件。"))
        existing = set(
            Post.objects.filter(host_id__in=host_ids, title__in={p.data.title for p in valid}).values_list(*SAME_POST)
        )
        new = [p for p in valid if _same_post(p) not in existing]
        report.already_imported = [p.row for p in valid if _same_post(p) in existing]
        posts = [_post(p, status=status, reason=PUBLISH_REASONS.get(Role(actor.role), ""), now=now) for p in new]
        audit.create_many(posts, actor=actor, reason=CHANGE_REASON, batch_size=BATCH_SIZE)
        if publish and posts:
            posts_changed([PostChange(p.pk, PostStatus.DRAFT, PostStatus.PUBLISHED) for p in posts if p.pk])
            stats_changed(first=timezone.localdate(now), district_ids={p.host.district_id for p in posts})
            _tell_hosts(posts, office=PUBLISH_REASONS[Role(actor.role)].removesuffix("批量导入"))
    report.created = len(posts)
    return report


# A row is a post already imported when every column of it matches one of the host's posts.
SAME_POST = (
    "host_id", "title", "category_id", "description", "education", "majors", "headcount", "months", "allowance",
    "district_id", "recruit_start", "recruit_end", "expires_on", "department_id",
)  # fmt: skip


def _same_post(parsed: ParsedRow) -> tuple[Any, ...]:
    d = parsed.data
    department = d.department.pk if d.department else None
    return (
        parsed.host.pk, d.title, d.category.pk, d.description, d.education, d.majors, d.headcount, d.months,
        d.allowance, d.district.pk, d.recruit_start, d.recruit_end, d.expires_on, department,
    )  # fmt: skip


def _tell_hosts(posts: list[Post], *, office: str) -> None:
    """An officer published posts for hosts: each host's staff hears of its own (after commit)."""
    per_host = Counter(post.host_id for post in posts)
    staff: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(host_id__in=per_host, is_active=True):
        staff[user.host_id].append(user)  # type: ignore[index]
    for host_id, count in per_host.items():
        notify(
            users=staff[host_id],
            message=f"{office}为您的单位批量导入并发布了 {count} 个见习岗位，请在岗位管理中核对。",
            link=reverse("posts:manage"),
        )


# --- the template --------------------------------------------------------------------------------


def template_sheets(*, actor: User, today: date) -> list[Sheet]:
    """The downloadable template: the posts sheet (header only), and the instructions with an
    example row that lives there, where it is never imported."""
    categories = list(PostCategory.objects.all())
    districts = list(District.objects.all())
    departments = list(Department.objects.all())
    host = None
    if getattr(actor, "role", None) == Role.HOST and actor.host_id:
        host = Host.objects.select_related("district", "department").filter(pk=actor.host_id).first()
    officer_district = getattr(actor, "district", None) if getattr(actor, "role", None) == Role.DISTRICT else None
    district = host.district if host else officer_district or (districts[0] if districts else None)
    example = [
        host.credit_code if host else "",
        "数据分析见习生",
        next((c.name for c in categories if c.code == "technical"), categories[0].name if categories else ""),
        "协助整理业务数据，制作月度统计报表，参与数据可视化工作。",
        "大学本科",
        "统计学、计算机科学与技术",
        3,
        6,
        Decimal("3000.00"),
        district.name if district else "",
        host.department.name if host and host.department else "",
        today,
        today + timedelta(days=60),
        today + timedelta(days=90),
    ]
    with translation.override("zh-hans"):
        levels = "、".join(str(label) for _, label in EducationLevel.choices)
    code_note = (
        "见习单位导入本单位岗位时可留空（填写时须为本单位的代码）；区人社局、市人社局导入时必填，"
        "须为本区（市人社局：本市）审核通过的见习单位。"
    )
    help_rows: list[list[Any]] = [
        [CREDIT_CODE, "视情况", code_note, "18 位代码，该列请设置为文本格式"],
        [TITLE, "必填", "岗位名称，最多 100 个字。", ""],
        [CATEGORY, "必填", "填写类别名称。", "、".join(c.name for c in categories)],
        [DESCRIPTION, "必填", "岗位职责与工作内容，最多 5000 个字。", ""],
        [EDUCATION, "必填", "最低学历要求；不限学历填“不限”。", levels],
        [MAJORS, "选填", "多个专业用顿号或逗号分隔；不限则留空。最多 200 个字。", ""],
        [HEADCOUNT, "必填", "整数。", "1 至 999"],
        [MONTHS, "必填", "整数，见习期限 3 至 12 个月（R-IN-1）。", "3 至 12"],
        [ALLOWANCE, "必填", "单位每月发放的生活费，单位：元，最多两位小数。", "0 至 100000"],
        [DISTRICT, "必填", "填写区名或区划代码。", "、".join(f"{d.name}（{d.code}）" for d in districts)],
        [DEPARTMENT, "选填", "留空时为见习单位登记的募集部门。", "、".join(d.name for d in departments)],
        [RECRUIT_START, "必填", "Excel 日期，或文本 YYYY-MM-DD（如 2024-03-01）。", ""],
        [RECRUIT_END, "必填", "不能早于招募开始日期。格式同上。", ""],
        [EXPIRES_ON, "必填", "不能早于招募截止日期，且不能已过期。格式同上。", ""],
        ["", "", "", ""],
        ["说明", "", "第 1 行为表头，请勿修改列名；从第 2 行起每行一个岗位。示例见本表末尾，不会被导入。", ""],
        ["", "", f"每个文件最多 {MAX_ROWS} 行，文件不超过 5 MB。空行会被忽略。", ""],
        ["", "", "任何一行有误时默认整个文件都不导入；上传时可勾选“仅导入无误的行”。", ""],
        ["", "", "见习单位导入的岗位为草稿，确认后请提交审核；区人社局、市人社局导入的岗位直接发布。", ""],
        ["", "", "超过 500 行的文件在后台导入，页面显示进度和结果；同一账号同一时间只能进行一个导入。", ""],
        [],
        ["示例", "", "（仅为格式示例，在本工作表中不会被导入；请在“见习岗位”工作表从第 2 行起填写）", ""],
        list(HEADERS),
        example,
    ]
    # The posts sheet is the header alone: a template uploaded unchanged imports nothing.
    return [
        (SHEET_TITLE, list(HEADERS), []),
        (HELP_TITLE, ["列", "是否必填", "说明", "可填写的值"], help_rows),
    ]


KIND = ImportKind(
    name="posts",
    layout=SHEET,
    authorise=authorise,
    read=lambda data: read_sheet(data),
    run=lambda **kwargs: posts_import(**kwargs),
    report_type=ImportReport,
    page="posts:import",
)
