from django.urls import path

from jianxi.policy import views

app_name = "policy"
urlpatterns = [
    path("quote/", views.quote, name="quote"),
    path("eligibility/", views.eligibility, name="eligibility"),
    path("", views.overview, name="overview"),
]
