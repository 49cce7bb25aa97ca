"""Writes of the recommend app: a young person's preferences."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role, User
from jianxi.core.errors import RuleError
from jianxi.policy.models import District, PostCategory
from jianxi.recommend.models import DigestFrequency, Preference
from jianxi.youth.models import Person

MAX_CHOICES = 20  # more districts or categories than exist is input no form sends


@transaction.atomic
def preference_save(
    *,
    actor: User,
    districts: Iterable[District],
    categories: Iterable[PostCategory],
    digest: str,
    now: datetime,
) -> Preference:
    """The young person's own preferences; opting in to the digest starts counting "new" from ``now``."""
    if getattr(actor, "role", None) != Role.YOUTH:
        raise RuleError("preference.actor", _("只有见习人员本人可以设置推荐偏好。"))
    person = Person.objects.select_for_update().filter(user=actor).first()
    if person is None:
        raise RuleError("youth.registry", _("请先完成见习人员登记。"))
    if digest not in DigestFrequency.values:
        raise RuleError("preference.digest", _("新岗位推荐的频率应为不接收、每天或每周。"), field="digest")
    districts, categories = list(districts), list(categories)
    if len(districts) > MAX_CHOICES or len(categories) > MAX_CHOICES:
        raise RuleError("preference.too_many", _("选择的区或岗位类别过多。"), field="districts")
    preference, _created = Preference.objects.get_or_create(person=person)
    if digest != DigestFrequency.OFF and (preference.digest == DigestFrequency.OFF or preference.digest_since is None):
        preference.digest_since = now
    preference.digest = digest
    preference.save()
    preference.districts.set(districts)
    preference.categories.set(categories)
    return preference
