from django.urls import path

from jianxi.core import views

app_name = "core"
urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("read/", views.notifications_read, name="notifications_read"),
]
