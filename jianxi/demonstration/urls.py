from django.urls import path

from jianxi.demonstration import views

app_name = "demonstration"
urlpatterns = [
    path("ranking/", views.ranking, name="ranking"),
    path("nominations/", views.nominations, name="nominations"),
    path("nominations/new/", views.nominate, name="nominate"),
    path("nominations/<int:pk>/decide/", views.nomination_decide, name="decide"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="withdraw"),
]
