from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from jianxi.core.validators import validate_resident_id
from jianxi.policy.models import District, Group

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QuoteForm(forms.Form):
    district = forms.ModelChoiceField(label=_("见习单位所在区"), queryset=District.objects.all(), to_field_name="code")
    start = forms.DateField(label=_("见习开始日期"), widget=DATE)
    end = forms.DateField(label=_("协议约定结束日期"), widget=DATE)
    as_of = forms.DateField(label=_("测算日期"), widget=DATE, required=False)
    ended_early = forms.DateField(label=_("提前结束日期（最后见习日）"), widget=DATE, required=False)
    reason = forms.ChoiceField(
        label=_("提前结束原因"),
        choices=[("", "—"), ("hired", _("签订劳动合同（提前留用）")), ("other", _("其他原因"))],
        required=False,
    )
    contract_start = forms.DateField(label=_("劳动合同起始日"), widget=DATE, required=False)
    contract_months = forms.IntegerField(label=_("劳动合同期限（月）"), min_value=0, max_value=600, required=False)
    contract_signed = forms.DateField(label=_("劳动合同签订日期"), widget=DATE, required=False)
    insured_months = forms.CharField(
        label=_("已缴社保月份"),
        required=False,
        help_text=_("以逗号分隔，如 2023-08,2023-09"),
    )
    employed_through = forms.DateField(label=_("在职至"), widget=DATE, required=False)

    def clean_insured_months(self) -> frozenset[str]:
        raw = self.cleaned_data.get("insured_months") or ""
        return frozenset(m.strip() for m in raw.replace("，", ",").split(",") if m.strip())

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("ended_early") and not data.get("reason"):
            self.add_error("reason", _("请选择提前结束原因。"))
        if data.get("reason") == "hired" and data.get("ended_early"):
            for name in ("contract_start", "contract_months"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("提前留用须填写劳动合同信息（R-SUB-5）。"))
        return data


class EligibilityForm(forms.Form):
    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=18,
        validators=[validate_resident_id],
        help_text=_("仅用于推算年龄，不会保存。"),
    )
    group = forms.ChoiceField(label=_("人员类别"), choices=Group.choices)
    on = forms.DateField(label=_("拟开始见习日期"), widget=DATE, initial=date.today)
    graduation_date = forms.DateField(label=_("毕业日期"), widget=DATE, required=False)
    beijing_origin = forms.BooleanField(label=_("北京生源"), required=False)
    beijing_hukou = forms.BooleanField(label=_("本市户籍"), required=False)
    employed = forms.BooleanField(label=_("目前已就业"), required=False)
    registered_unemployed = forms.BooleanField(label=_("已办理失业登记"), required=False)
    transfer_registered = forms.BooleanField(label=_("已办理转移就业登记"), required=False)
