"""The roles of Jianxi's users: one vocabulary for access declarations, scoping and duties.

Here in ``core`` so that the access declarations (``core.access``) and the navigation can name
roles without importing ``accounts``, which sits above ``core`` (docs/architecture.md);
``accounts.models.Role`` is this class.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    YOUTH = "youth", _("见习人员")
    HOST = "host", _("见习单位")
    DISTRICT = "district", _("区人社局")
    CITY = "city", _("市人社局")
    DEPARTMENT = "department", _("市级部门")
    UNIVERSITY = "university", _("高校")
    FINANCE = "finance", _("财政局")  # read-only: the year's budget against the money (issue #10)
