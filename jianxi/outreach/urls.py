from django.urls import path

from jianxi.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.home, name="home"),
    path("graduates/", views.graduates, name="graduates"),
    path("graduates/import/", views.import_graduates, name="import"),
    path("graduates/import/<int:pk>/", views.import_graduates_job, name="import_job"),
    path("graduates/import/template.xlsx", views.import_template, name="import_template"),
    path("pushes/new/", views.push_new, name="push_new"),
    path("pushes/<int:pk>/", views.push_detail, name="push"),
    path("takeup.xlsx", views.takeup_export, name="takeup_export"),
]
