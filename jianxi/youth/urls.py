from django.urls import path

from jianxi.youth import views, views_import

app_name = "youth"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("me/", views.me, name="me"),
    path("me/resume/", views.resume_upload, name="resume_upload"),
    path("import/", views_import.import_persons, name="import"),
    path("import/<int:pk>/", views_import.import_persons_job, name="import_job"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/reveal-id/", views.person_reveal_id, name="reveal_id"),
]
