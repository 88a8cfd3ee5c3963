from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/act/<str:verb>/", views.assessment_action, name="action"),
    path("files/<int:pk>/", views.evidence_file, name="file"),
    path("units/<int:pk>/", views.unit_ladder, name="ladder"),
    path("figures/", views.figures, name="figures"),
    path("activities/", views.activities, name="activities"),
    path("incidents/", views.incidents, name="incidents"),
    path("incidents/<int:pk>/void/", views.void_incident, name="void_incident"),
]
