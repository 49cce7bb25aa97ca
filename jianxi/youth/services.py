"""Youth registry operations: a young person's sign-up, the record of every unmasked ID view."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role
from jianxi.accounts.services import new_user, username_free
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.notify import notify
from jianxi.core.validators import check_pdf, parse_mobile, parse_resident_id
from jianxi.policy.models import District, University
from jianxi.youth.models import IdNumberReveal, Person


def id_number_reveal(*, person: Person, viewer: Any, purpose: str, ip_address: str | None) -> str:
    """Show an officer the full ID number, and record that they saw it (docs/rules.md, "Identifiers")."""
    IdNumberReveal.objects.create(person=person, viewer=viewer, purpose=purpose, ip_address=ip_address)
    return person.id_number


@transaction.atomic
def youth_register(
    *,
    username: str,
    password: str,
    name: str,
    id_number: str,
    phone: str,
    group: str,
    district: District,
    graduation_date: date | None = None,
    university: University | None = None,
    school: str = "",
    major: str = "",
    education: str = "",
    beijing_origin: bool = False,
    beijing_hukou: bool = False,
    employed: bool = False,
    registered_unemployed: bool = False,
    transfer_registered: bool = False,
    today: date,
) -> Person | None:
    """A young person signs up: a youth account and their registry record (one ID, one person).

    An ID number already registered creates nothing and returns None; its owner is told. The
    page answers both the same way, so that sign-up cannot be used to learn whether someone is
    registered (issue #11).
    """
    rid = parse_resident_id(id_number, today=today)
    phone = parse_mobile(phone)
    username_free(username)  # before the ID check: a taken username must not tell the two apart
    existing = Person.objects.filter(id_number=rid.number).select_related("user").first()
    if existing is not None:
        notify(
            users=[existing.user],
            message="有人尝试用您的身份证号注册见习服务账号，未予开通。如非本人操作，请联系所在区人社局。",
        )
        return None
    user = new_user(username=username, password=password, role=Role.YOUTH, display_name=name)
    person = Person(
        user=user,
        id_number=rid.number,
        name=name,
        birth_date=rid.birth_date,
        phone=phone,
        group=group,
        district=district,
        graduation_date=graduation_date,
        university=university,
        school=school or (university.name if university else ""),
        major=major,
        education=education,
        beijing_origin=beijing_origin,
        beijing_hukou=beijing_hukou,
        employed=employed,
        registered_unemployed=registered_unemployed,
        transfer_registered=transfer_registered,
    )
    audit.save(person, actor=user)
    return person


@transaction.atomic
def resume_save(*, actor: Any, upload: Any) -> Person:
    """A young person uploads (or replaces) its résumé: a PDF of at most 2 MB, checked by its bytes."""
    person = Person.objects.select_for_update().filter(user=actor).first() if actor.role == Role.YOUTH else None
    if person is None:
        raise RuleError("youth.registry", _("请先完成见习人员登记。"))
    check_pdf(upload, field="resume")
    old = person.resume.name if person.resume else ""
    person.resume.save(f"{person.pk}.pdf", upload, save=False)
    person.resume_uploaded_at = timezone.now()
    audit.save(person, actor=actor, reason="上传个人简历")
    if old and old != person.resume.name:
        storage = person.resume.storage
        transaction.on_commit(lambda: storage.delete(old))
    return person
