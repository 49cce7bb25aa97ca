from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error
from jianxi.core.validators import validate_policy_number
from jianxi.placements.models import LaterStatus, Outcome, ServiceKind
from jianxi.placements.outcomes import Ending
from jianxi.placements.services import AgreementTerms, Interview, agreement_dates_check
from jianxi.policy.engine import add_months

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InviteForm(forms.Form):
    id_number = forms.CharField(label=_("见习人员身份证号"), max_length=18)


class InterviewForm(forms.Form):
    interview_at = forms.DateTimeField(
        label=_("面试时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    interview_place = forms.CharField(label=_("面试地点"), max_length=200, required=False)
    interview_online = forms.BooleanField(label=_("线上面试"), required=False)

    def interview(self) -> Interview:
        d = self.cleaned_data
        return Interview(at=d["interview_at"], place=d.get("interview_place") or "", online=d["interview_online"])


class AgreementForm(forms.Form):
    start = forms.DateField(label=_("见习开始日期"), widget=DATE)
    end = forms.DateField(label=_("协议约定结束日期"), widget=DATE, help_text=_("见习期 3 至 12 个月（R-IN-1）"))
    allowance = forms.DecimalField(label=_("生活费（元/月）"), max_digits=8, decimal_places=2, min_value=0)
    mentor = forms.CharField(label=_("带教人"), max_length=50)
    training_date = forms.DateField(label=_("岗前培训日期"), widget=DATE)
    insurance_policy = forms.CharField(
        label=_("意外伤害保险保单号"), max_length=50, validators=[validate_policy_number]
    )

    def __init__(self, *args: object, post: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if post is not None and not self.is_bound:
            start = timezone.localdate() + timedelta(days=7)
            months = getattr(post, "months", 6)
            self.initial.update(
                start=start,
                end=add_months(start, months) - timedelta(days=1),
                allowance=getattr(post, "allowance", None),
                training_date=start,
            )

    def clean(self) -> dict[str, Any]:
        # The dates' rules beside the fields' own checks, so every problem shows in one round.
        cleaned = super().clean() or {}
        if all(cleaned.get(name) for name in ("start", "end", "training_date")):
            try:
                dates = {name: cleaned[name] for name in ("start", "end", "training_date")}
                agreement_dates_check(**dates)
            except RuleError as err:
                add_rule_error(self, err)
        return cleaned

    def terms(self) -> AgreementTerms:
        return AgreementTerms(**{name: self.cleaned_data[name] for name in AgreementTerms.__dataclass_fields__})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class MoveReasonForm(forms.Form):
    """The reason of a final selection step; required for the host's 不予录用, shown to the applicant."""

    note = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = required
        if not required:
            self.fields["note"].label = _("说明（可不填）")


class EndForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结束方式"), choices=Outcome.choices)
    ended_on = forms.DateField(label=_("最后见习日"), widget=DATE)
    reason = forms.CharField(label=_("提前终止原因"), max_length=500, required=False)
    contract_start = forms.DateField(label=_("劳动合同起始日"), widget=DATE, required=False)
    contract_months = forms.IntegerField(label=_("劳动合同期限（月）"), min_value=1, max_value=600, required=False)
    contract_signed = forms.DateField(
        label=_("劳动合同签订日期"),
        widget=DATE,
        required=False,
        help_text=_("剩余期限见习补贴按政策实施期限核对此日期（R-SUB-5）"),
    )
    insured_months = forms.CharField(
        label=_("已缴社保月份"), required=False, help_text=_("以逗号分隔，如 2024-01,2024-02")
    )

    def ending(self) -> Ending:
        d = self.cleaned_data
        months = tuple(m.strip() for m in (d.get("insured_months") or "").replace("，", ",").split(",") if m.strip())
        return Ending(
            outcome=d["outcome"],
            ended_on=d["ended_on"],
            reason=d.get("reason") or "",
            contract_start=d.get("contract_start"),
            contract_months=d.get("contract_months"),
            contract_signed=d.get("contract_signed"),
            insured_months=months,
        )


class FollowUpForm(forms.Form):
    served_on = forms.DateField(label=_("服务日期"), widget=DATE)
    kind = forms.ChoiceField(label=_("服务内容"), choices=ServiceKind.choices)
    later_status = forms.ChoiceField(label=_("人员现状"), choices=LaterStatus.choices)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
