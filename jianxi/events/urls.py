from django.urls import path

from jianxi.events import views

app_name = "events"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/signup/", views.signup, name="signup"),
    path("<int:pk>/signup/cancel/", views.signup_cancel, name="signup_cancel"),
    path("<int:pk>/checkin/", views.checkin, name="checkin"),
    path("office/", views.manage_list, name="manage"),
    path("office/new/", views.edit, name="create"),
    path("office/coverage/", views.coverage, name="coverage"),
    path("office/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("office/<int:pk>/edit/", views.edit, name="edit"),
    path("office/<int:pk>/publish/", views.publish, name="publish"),
    path("office/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("office/<int:pk>/tick/", views.tick, name="tick"),
    path("office/<int:pk>/sheet/", views.sheet, name="sheet"),
    path("office/<int:pk>/qr.svg", views.qr, name="qr"),
]
