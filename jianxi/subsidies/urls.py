# Routes are filled in by the subsidy pages work; the namespace exists so navigation resolves.
from django.urls import path

from jianxi.subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("claims/", views.claims, name="claims"),
]
