from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from jianxi.api import api
from jianxi.core import views as core_views
from jianxi.core.access import public, signed_in
from jianxi.hosts import views as host_views
from jianxi.youth import password_sms
from jianxi.youth import views as youth_views

admin.site.site_header = "见习 Jianxi 管理后台"
admin.site.site_title = "见习 Jianxi"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("rules/", core_views.rules, name="rules"),
    path("favicon.ico", public(RedirectView.as_view(url=static("jianxi/favicon.svg"), permanent=True))),
    path("accounts/login/", public(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
    # 忘记密码 and 修改密码: Django's own views; the reset link goes out by the configured e-mail
    # backend (EMAIL_BACKEND), and the answer is the same whether or not the address is known.
    path(
        "accounts/password/reset/",
        public(auth_views.PasswordResetView.as_view(email_template_name="registration/reset_email.txt")),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        public(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    # 忘记密码 by an SMS code, for a young person's account with a mobile number (youth/password_sms.py).
    path("accounts/password/sms/", password_sms.request_code, name="password_reset_sms"),
    path("accounts/password/sms/code/", password_sms.confirm_code, name="password_reset_sms_confirm"),
    path("accounts/password/change/", signed_in(auth_views.PasswordChangeView.as_view()), name="password_change"),
    path(
        "accounts/password/change/done/",
        signed_in(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("accounts/signup/youth/", youth_views.signup, name="signup_youth"),
    path("accounts/signup/host/", host_views.signup, name="signup_host"),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("hosts/", include("jianxi.hosts.urls")),
    path("youth/", include("jianxi.youth.urls")),
    path("policy/", include("jianxi.policy.urls")),
    path("posts/", include("jianxi.posts.urls")),
    path("registry/", include("jianxi.registry.urls")),
    path("placements/", include("jianxi.placements.urls")),
    path("subsidies/", include("jianxi.subsidies.urls")),
    path("events/", include("jianxi.events.urls")),
    path("demonstration/", include("jianxi.demonstration.urls")),
    path("oversight/", include("jianxi.oversight.urls")),
    path("notifications/", include("jianxi.core.urls")),
    path("exports/", include("jianxi.core.urls_export")),  # large Excel exports built in the background
    path("finance/", include("jianxi.finance.urls")),
    path("exchange/", include("jianxi.exchange.urls")),
    path("recommend/", include("jianxi.recommend.urls")),
    path("outreach/", include("jianxi.outreach.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

# Under /api/ Django's own refusals answer the API's error shape too (jianxi/api.py).
handler400 = "jianxi.api.bad_request"
handler403 = "jianxi.api.permission_denied"
handler404 = "jianxi.api.page_not_found"
handler500 = "jianxi.api.server_error"
