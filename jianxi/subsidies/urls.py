from django.urls import path

from jianxi.subsidies import views, views_audit

app_name = "subsidies"
urlpatterns = [
    path("claims/", views.claims, name="claims"),
    path("claims/prepare/", views.claim_prepare, name="prepare"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/submit/", views.claim_submit, name="submit"),
    path("claims/<int:pk>/discard/", views.claim_discard, name="discard"),
    path("claims/<int:pk>/upload/", views.claim_upload, name="upload"),
    path("claims/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("claims/<int:pk>/review/", views.claim_review, name="review"),
    path("claims/<int:pk>/checklist/", views.checklist_tick, name="checklist"),
    path("claims/<int:pk>/lines/<int:line_id>/decide/", views.flag_decide, name="flag_decide"),
    path("remaining/<int:agreement_id>/", views.remaining_create, name="remaining"),
    path("payment/", views.payment, name="payment"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("batches/<int:pk>/bank.xlsx", views.batch_bank_file, name="bank_file"),
    path("ledger/", views_audit.ledger, name="ledger"),
    path("statement/", views_audit.my_statement, name="my_statement"),
    path("statement/<int:host_id>/", views_audit.statement, name="statement"),
    path("signals/", views_audit.signal_list, name="signals"),
    path("recoveries/", views_audit.recoveries, name="recoveries"),
    path("recoveries/new/<int:host_id>/", views_audit.recovery_create, name="recovery_create"),
    path("recoveries/<int:pk>/", views_audit.recovery_detail, name="recovery"),
    path("years/", views_audit.years, name="years"),
    path("years/close/", views_audit.year_close, name="year_close"),
    path("run/", views.claim_run, name="run"),
    path("run/<int:pk>/", views.claim_run_progress, name="run_progress"),
]
