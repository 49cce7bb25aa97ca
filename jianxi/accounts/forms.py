from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from jianxi.core.validators import validate_credit_code, validate_mobile, validate_resident_id
from jianxi.hosts.models import Host, HostType
from jianxi.hosts.services import HOST_EDITABLE_FIELDS
from jianxi.policy.models import Department, District, University
from jianxi.youth.models import Education, Group


class _AccountFields(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.@+-]{3,50}$",
        error_messages={"invalid": _("用户名为3至50位字母、数字或 _ . @ + -。")},
    )
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            try:
                validate_password(str(p1))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class YouthSignupForm(_AccountFields):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18, validators=[validate_resident_id])
    phone = forms.CharField(label=_("手机号码"), max_length=11, validators=[validate_mobile])
    group = forms.ChoiceField(label=_("人员类别"), choices=Group.choices)
    district = forms.ModelChoiceField(label=_("登记区"), queryset=District.objects.all())
    education = forms.ChoiceField(label=_("学历"), choices=[("", "—")] + list(Education.choices), required=False)
    university = forms.ModelChoiceField(
        label=_("毕业高校（本市高校）"), queryset=University.objects.all(), required=False
    )
    school = forms.CharField(label=_("毕业院校（其他）"), max_length=100, required=False)
    major = forms.CharField(label=_("专业"), max_length=100, required=False)
    graduation_date = forms.DateField(
        label=_("毕业日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    beijing_origin = forms.BooleanField(label=_("北京生源"), required=False)
    beijing_hukou = forms.BooleanField(label=_("本市户籍"), required=False)
    employed = forms.BooleanField(label=_("目前已就业"), required=False)
    registered_unemployed = forms.BooleanField(label=_("已办理失业登记"), required=False)
    transfer_registered = forms.BooleanField(label=_("已办理转移就业登记"), required=False)


class HostSignupForm(_AccountFields):
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
