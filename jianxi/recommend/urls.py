from django.urls import path

from jianxi.recommend import views

app_name = "recommend"
urlpatterns = [
    path("", views.posts_for_you, name="posts"),
    path("preferences/", views.preferences, name="preferences"),
]
