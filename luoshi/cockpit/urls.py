from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.cockpit, name="index"),
    path("screen/", views.screen, name="screen"),
    path("matters/", views.flow_matters, name="flow_matters"),
]
