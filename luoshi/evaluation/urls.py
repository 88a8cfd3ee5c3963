from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/<int:pk>/", views.period_ranking, name="ranking"),
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path(
        "scorecards/<int:pk>/matters/<slug:indicator>/",
        views.figure_matters,
        name="figure_matters",
    ),
]
