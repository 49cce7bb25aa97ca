from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianxi.subsidies.models import RecoveryKind

MAX_UPLOAD = 10 * 1024 * 1024  # 10 MB per file
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# What the first bytes of each accepted type look like; the extension must agree with them.
SIGNATURES: dict[str, tuple[bytes, str]] = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}


def sniff(upload: Any) -> str | None:
    """The content type of an upload if its name and its first bytes agree, else None."""
    ext = Path(upload.name or "").suffix.lower()
    if ext not in SIGNATURES:
        return None
    magic, content_type = SIGNATURES[ext]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    return content_type if head == magic else None


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("申报材料"), help_text=_("PDF、JPG 或 PNG，每个不超过 10 MB"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件超过 10 MB，请压缩后再上传。"))
        content_type = sniff(upload)
        if content_type is None:
            raise forms.ValidationError(_("只能上传 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"))
        upload.sniffed_type = content_type
        return upload


class RemainingForm(forms.Form):
    employed_through = forms.DateField(
        label=_("在职至"), widget=DATE, help_text=_("该人员在本单位持续在职（履行劳动合同）至哪一天")
    )


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("拨付日期"), widget=DATE)
    reference = forms.CharField(label=_("拨付凭证号"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("paid_on", timezone.localdate())


class CancelBatchForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class RecoveryForm(forms.Form):
    amount = forms.DecimalField(label=_("追回金额（元）"), max_digits=12, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("追回理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(
        label=_("追回性质"),
        choices=[("", "—"), *RecoveryKind.choices],
        required=False,
        help_text=_("多发：非主观过错，只追回、不处罚；骗取套取：追回并禁入单位，移送有关机关（R-SUB-6）。"),
    )
    bar = forms.BooleanField(label=_("同时禁入该单位（骗取套取）"), required=False)
    bar_until = forms.DateField(label=_("禁入截止日（骗取套取；留空为永久禁入）"), widget=DATE, required=False)
    referred_to = forms.CharField(label=_("移送机关（骗取套取）"), max_length=200, required=False)
    referred_on = forms.DateField(label=_("移送日期"), widget=DATE, required=False)


class ReferralForm(forms.Form):
    referred_to = forms.CharField(label=_("移送机关"), max_length=200)
    referred_on = forms.DateField(label=_("移送日期"), widget=DATE)


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("缴回金额（元）"), max_digits=12, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label=_("缴回日期"), widget=DATE)
    reference = forms.CharField(label=_("凭证号"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("paid_on", timezone.localdate())


class WriteOffForm(forms.Form):
    reason = forms.CharField(label=_("核销理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class YearCloseForm(forms.Form):
    """The city's close of a policy year (资金年度结算), confirmed with a tick."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    confirm = forms.BooleanField(
        label=_("我已核对：结算后该年度的见习月份不再受理申报，结算记录不可撤销。"),
        error_messages={"required": _("请勾选确认后再结算。")},
    )
