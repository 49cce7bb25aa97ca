from django.urls import path

from jianxi.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("messages/<int:pk>/retry/", views.retry, name="retry"),
]
