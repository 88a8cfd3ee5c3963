from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.unit_index, name="index"),
    path("<int:pk>/", views.unit_detail, name="detail"),
]
