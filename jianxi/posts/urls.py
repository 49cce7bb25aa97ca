from django.urls import path

from jianxi.posts import views, views_import

app_name = "posts"
urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("district/<str:code>/", views.district_page, name="district"),
    path("manage/", views.manage_list, name="manage"),
    path("manage/expiring/", views.expiring, name="expiring"),
    path("manage/new/", views.edit, name="create"),
    path("manage/import/", views_import.import_posts, name="import"),
    path("manage/import/<int:pk>/", views_import.import_posts_job, name="import_job"),
    path("manage/import/template.xlsx", views_import.import_template, name="import_template"),
    path("manage/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("manage/<int:pk>/edit/", views.edit, name="edit"),
    path("manage/<int:pk>/<str:action>/", views.act, name="act"),
]
