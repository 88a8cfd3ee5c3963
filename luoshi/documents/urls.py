from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/columns/", views.import_columns, name="import_columns"),
    path("import/<int:pk>/units/", views.import_units, name="import_units"),
    path("import/<int:pk>/dates/", views.import_dates, name="import_dates"),
    path("import/<int:pk>/options/", views.import_options, name="import_options"),
    path(
        "import/<int:pk>/accept-suggestions/",
        views.import_accept_suggestions,
        name="import_accept_suggestions",
    ),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("ledger.xlsx", views.ledger, name="ledger"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/file/", views.export_file, name="export_file"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/file/", views.bulletin_file, name="bulletin_file"),
]
