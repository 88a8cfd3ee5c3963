from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.unit_index, name="index"),
    path("search/", views.unit_search, name="search"),
    path("<int:pk>/", views.unit_detail, name="detail"),
]
