"""Create an officer account from the command line (the other way is the admin)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jianxi.accounts.models import Role
from jianxi.accounts.services import officer_create
from jianxi.core.errors import RuleError
from jianxi.policy.models import Department, District, University


class Command(BaseCommand):
    help = "创建工作人员账号：--role city|district|department|university，并指定唯一的所属范围。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=["city", "district", "department", "university"])
        parser.add_argument("--name", required=True, help="显示名称，如“海淀区人社局 王老师”")
        parser.add_argument("--district", help="区划代码，如 110108 或 BDA")
        parser.add_argument("--department", help="部门代码，如 science")
        parser.add_argument("--university", help="院校代码，如 10001")
        parser.add_argument("--password", help="不提供则交互输入")

    def handle(self, *args: Any, **opts: Any) -> None:
        def lookup(model: Any, code: str | None, label: str) -> Any:
            if code is None:
                return None
            found = model.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"未知的{label}代码：{code}")
            return found

        password = opts["password"] or getpass.getpass("密码：")
        try:
            user = officer_create(
                username=opts["username"],
                password=password,
                role=Role(opts["role"]),
                display_name=opts["name"],
                district=lookup(District, opts["district"], "区划"),
                department=lookup(Department, opts["department"], "部门"),
                university=lookup(University, opts["university"], "院校"),
            )
        except RuleError as err:
            raise CommandError(f"{err.message}（{err.code}）") from err
        self.stdout.write(f"已创建 {user.username}：{user.scope_label}")
