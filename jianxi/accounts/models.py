"""Users, roles and their scope (docs/rules.md, "Who uses Jianxi").

A user has exactly one role. An officer belongs to exactly one district, department or
university, and a host staff account to exactly one host unit; a database constraint keeps the
scope consistent with the role so that the scoping layer never meets an ambiguous user.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.core.roles import Role

__all__ = ["OFFICER_ROLES", "STAFF_ROLES", "ApiToken", "Role", "User"]


OFFICER_ROLES = (Role.DISTRICT, Role.CITY, Role.DEPARTMENT, Role.UNIVERSITY)
# Accounts the city officer creates in the admin: the officers, and the finance bureau (财政局).
STAFF_ROLES = (*OFFICER_ROLES, Role.FINANCE)


def _only(role: Role, scope: str | None) -> Q:
    """role=R implies: its own scope field is set and every other scope field is empty."""
    scopes = ("district", "department", "university", "host")
    cond = Q()
    for field in scopes:
        cond &= Q(**{f"{field}__isnull": field != scope})
    return Q(role=role) & cond


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.YOUTH)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("所属区")
    )
    department = models.ForeignKey(
        "policy.Department", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("所属部门")
    )
    university = models.ForeignKey(
        "policy.University", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("所属高校")
    )
    host = models.ForeignKey(
        "hosts.Host",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("所属见习单位"),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=(
                    _only(Role.YOUTH, None)
                    | _only(Role.CITY, None)
                    | _only(Role.DISTRICT, "district")
                    | _only(Role.DEPARTMENT, "department")
                    | _only(Role.UNIVERSITY, "university")
                    | _only(Role.FINANCE, None)
                    # A host staff account may exist before its unit is registered.
                    | _only(Role.HOST, "host")
                    | _only(Role.HOST, None)
                ),
                name="user_scope_matches_role",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    @property
    def scope_label(self) -> str:
        scope = self.district or self.department or self.university or self.host
        return f"{self.get_role_display()}·{scope}" if scope else str(self.get_role_display())


class ApiToken(models.Model):
    """A token for a system calling the API on a user's behalf. Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("密钥摘要"))
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token; the plain key is returned once and never stored."""
        key = "jx_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], key_hash=cls.hash_key(key))
        return token, key
