from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jianxi.policy.models import District, PostCategory
from jianxi.recommend.models import DigestFrequency


class PreferenceForm(forms.Form):
    districts = forms.ModelMultipleChoiceField(
        label=_("希望见习的区"),
        queryset=District.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则按您登记的区推荐。"),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("感兴趣的岗位类别"),
        queryset=PostCategory.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    digest = forms.ChoiceField(
        label=_("新岗位推荐"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_("有符合您偏好的新岗位时，按所选频率发站内通知（有邮箱时同时发邮件）；没有新岗位时不发。"),
    )
