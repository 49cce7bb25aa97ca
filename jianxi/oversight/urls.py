from django.urls import path

from jianxi.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("excel/", views.excel, name="excel"),
    path("ministry/", views.ministry, name="ministry"),
]
