from django.urls import path

from jianxi.placements import views, views_import

app_name = "placements"
urlpatterns = [
    path("apply/<int:post_id>/", views.apply, name="apply"),
    path("invite/<int:post_id>/", views.invite, name="invite"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/agreement/", views.agreement_create, name="agreement_create"),
    path("applications/<int:pk>/resume/", views.application_resume, name="resume"),
    path("applications/<int:pk>/contact/", views.application_contact, name="contact"),
    path("applications/<int:pk>/<str:action>/", views.application_move, name="move"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/confirm/", views.agreement_confirm, name="confirm"),
    path("agreements/<int:pk>/cancel/", views.agreement_cancel, name="cancel"),
    path("agreements/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("agreements/<int:pk>/attendance/reopen/", views.attendance_reopen, name="attendance_reopen"),
    path("agreements/<int:pk>/end/", views.agreement_end, name="end"),
    path("agreements/<int:pk>/retention/", views.agreement_retention, name="retention"),
    path("agreements/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("verify/", views.verify, name="verify"),
    path("attendance/import/", views_import.import_attendance, name="attendance_import"),
    path("attendance/import/<int:pk>/", views_import.import_attendance_job, name="attendance_import_job"),
    path(
        "attendance/import/template.xlsx",
        views_import.import_attendance_template,
        name="attendance_import_template",
    ),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
]
