from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("figures/", views.project_figures, name="figures"),
    path("ledger.xlsx", views.ledger_export, name="ledger"),
    path("import/", views.project_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/stage/", views.record_stage, name="record_stage"),
    path("<int:pk>/month/", views.report_month, name="report_month"),
    path("<int:pk>/problem/", views.raise_problem, name="raise_problem"),
]
