from django.urls import path

from jianxi.core import views_export

app_name = "exports"
urlpatterns = [
    path("", views_export.export_list, name="list"),
    path("<int:pk>/", views_export.export_job, name="job"),
    path("<int:pk>/download/", views_export.export_download, name="download"),
]
