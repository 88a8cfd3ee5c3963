from django.urls import path

from . import views

app_name = "hazards"
urlpatterns = [
    path("", views.hazard_list, name="list"),
    path("new/", views.register, name="register"),
    path("ledger/", views.hazard_ledger, name="ledger"),
    path("figures/", views.figures, name="figures"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.hazard_detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/act/<str:verb>/", views.hazard_action, name="action"),
]
