from django.urls import path

from jianxi.core import views, views_notify

app_name = "core"
urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("read/", views.notifications_read, name="notifications_read"),
    path("settings/", views_notify.notification_settings, name="notification_settings"),
    path("unsubscribe/<str:token>/", views_notify.unsubscribe, name="unsubscribe"),
]
