"""A young person's sign-up (见习人员注册): an account and the registry record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jianxi.accounts.forms import AccountFields
from jianxi.core.validators import validate_mobile, validate_resident_id
from jianxi.policy.models import District, University
from jianxi.youth.models import Education, Group


class YouthSignupForm(AccountFields):
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


class ResumeForm(forms.Form):
    resume = forms.FileField(label=_("个人简历（PDF，不超过 2 MB）"))
