from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.index, name="index"),
    path("schemes/", views.schemes, name="schemes"),
    path("schemes/new/", views.scheme_new, name="scheme_new"),
    path("schemes/<int:pk>/", views.scheme, name="scheme"),
    path("periods/open/", views.open_period, name="open_period"),
    path("periods/<int:pk>/", views.period, name="period"),
    path("periods/<int:pk>/<slug:verb>/", views.period_action, name="period_action"),
    path("items/<int:pk>/withdraw/", views.withdraw_item, name="withdraw_item"),
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path(
        "scorecards/<int:pk>/matters/<slug:indicator_code>/",
        views.figure_matters,
        name="figure_matters",
    ),
]
