"""Open311 GeoReport v2 at /open311/v2/ (each resource in .json and .xml)."""

from django.urls import path, re_path

from . import views

FMT = r"\.(?P<fmt>json|xml)$"
app_name = "open311"
urlpatterns = [
    path("", views.discovery, name="root"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="definition"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[-\w]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[-\w]+)" + FMT, views.token, name="token"),
]
