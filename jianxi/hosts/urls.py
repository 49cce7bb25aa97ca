from django.urls import path

from jianxi.hosts import views

app_name = "hosts"
urlpatterns = [
    path("", views.host_list, name="list"),
    path("mine/", views.my_host, name="mine"),
    path("<int:pk>/", views.host_detail, name="detail"),
    path("<int:pk>/review/<str:action>/", views.host_review, name="review"),
    path("<int:pk>/edit/", views.host_edit, name="edit"),
    path("<int:pk>/bank/<str:action>/", views.host_bank_review, name="bank_review"),
    path("<int:pk>/change/<str:action>/", views.host_change_review, name="change_review"),
    path("<int:pk>/change/department/<str:action>/", views.host_change_confirm, name="department_confirm"),
    path("changes/", views.host_changes, name="changes"),
]
