from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from jianxi.accounts.models import STAFF_ROLES, ApiToken, User
from jianxi.accounts.services import officer_invite

# Rights are the superuser's alone, and superusers are made on the command line
# (`manage.py createsuperuser`), never by ticking a box here (issue #11: separation of duties).
RIGHTS = ("is_staff", "is_superuser", "groups", "user_permissions")
SCOPE_FIELDS = ("role", "display_name", "district", "department", "university", "host")


class OfficerCreationForm(forms.ModelForm):
    """A new account has no password: its owner sets one through the link e-mailed to it."""

    email = forms.EmailField(
        label="电子邮箱", help_text="设置密码的链接发到这个邮箱；创建账号的人不知道、也不设置新账号的密码。"
    )

    class Meta:
        model = User
        fields = ("username", "email")

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    """Officer accounts for the city officer; every account, but no superuser flag, for a superuser.

    A city officer (a non-superuser with the 市人社局 group) sees and creates officer accounts
    only — not host staff or young people, whose accounts are their own — cannot grant rights,
    and changes no password but its own: resetting a district officer's password would let it
    act as that district and approve its own money.
    """

    list_display = ("username", "display_name", "role", "district", "department", "university", "host", "is_active")
    list_filter = ("role", "district", "department", "is_active")
    search_fields = ("username", "display_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "email")}),
        ("状态与权限", {"fields": ("is_active", *RIGHTS)}),
        ("见习角色与范围", {"fields": SCOPE_FIELDS}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    # The creator chooses no password (it would know the new officer's): the officer sets its
    # own through the link e-mailed to it (accounts.services.officer_invite).
    add_form = OfficerCreationForm
    add_fieldsets = (
        (None, {"fields": ("username", "email")}),
        ("见习角色与范围", {"fields": SCOPE_FIELDS}),
    )
    raw_id_fields = ("host",)

    def get_readonly_fields(self, request, obj=None):
        fixed = ("is_superuser", "last_login", "date_joined")
        if request.user.is_superuser:
            return fixed
        return (*fixed, *RIGHTS, "host")

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        return users.filter(is_superuser=False, role__in=STAFF_ROLES)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(role.value, role.label) for role in STAFF_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            transaction.on_commit(lambda: officer_invite(obj))
            messages.info(request, f"已向 {obj.email} 发送设置密码的链接；账号在设置密码后才能登录。")

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser and str(request.user.pk) != str(id):
            raise PermissionDenied("only a superuser changes another account's password")
        return super().user_change_password(request, id, form_url)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued here; the key is shown once, in the confirmation message."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    fields = ("user", "name", "revoked", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = ApiToken.issue(user=obj.user, name=obj.name)
        obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
        messages.warning(request, f"接口令牌：{key}（仅显示这一次，请立即复制保存）")
