from django.urls import path

from jianxi.finance import views

app_name = "finance"
urlpatterns = [path("", views.overview, name="overview")]
