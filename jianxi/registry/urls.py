from django.urls import path

from jianxi.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.loads, name="loads"),
    path("loads/<int:pk>/", views.load_detail, name="load"),
    path("changes/", views.changes, name="changes"),
    path("changes/<int:pk>/handle/", views.change_handle, name="change_handle"),
]
for _source, (_upload, _job, _template) in views.IMPORT_VIEWS.items():
    urlpatterns += [
        path(f"{_source}/import/", _upload, name=f"import_{_source}"),
        path(f"{_source}/import/<int:pk>/", _job, name=f"import_{_source}_job"),
        path(f"{_source}/template.xlsx", _template, name=f"template_{_source}"),
    ]
