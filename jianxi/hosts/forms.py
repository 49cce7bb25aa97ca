"""A host unit's sign-up (见习单位注册) and the details its staff may correct."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jianxi.accounts.forms import AccountFields
from jianxi.core.validators import validate_credit_code, validate_mobile
from jianxi.hosts.models import Host, HostType
from jianxi.hosts.services import HOST_EDITABLE_FIELDS
from jianxi.policy.models import Department, District


class HostSignupForm(AccountFields):
    contact_name = forms.CharField(label=_("联系人姓名"), max_length=50)
    contact_phone = forms.CharField(label=_("联系人手机"), max_length=11, validators=[validate_mobile])
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, validators=[validate_credit_code])
    host_name = forms.CharField(label=_("单位名称"), max_length=200)
    host_type = forms.ChoiceField(label=_("单位类型"), choices=HostType.choices)
    district = forms.ModelChoiceField(label=_("所在区"), queryset=District.objects.all())
    address = forms.CharField(label=_("单位地址"), max_length=200)
    contact_email = forms.EmailField(label=_("联系邮箱（接收通知）"), required=False)
    bank_name = forms.CharField(label=_("开户银行（拨付补贴）"), max_length=100, required=False)
    bank_account = forms.RegexField(
        label=_("银行账号"),
        regex=r"^\d{8,30}$",
        required=False,
        error_messages={"invalid": _("银行账号应为 8 至 30 位数字。")},
    )
    department = forms.ModelChoiceField(label=_("募集部门（如有）"), queryset=Department.objects.all(), required=False)
    grassroots_base = forms.BooleanField(label=_("基层实习见习基地"), required=False)


class HostEditForm(forms.ModelForm):
    """What host staff may correct about their unit (not the credit code or district)."""

    class Meta:
        model = Host
        fields = HOST_EDITABLE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left empty, the credit code stays as it is (a change of it waits for the district's review).
        self.fields["credit_code"].required = False
