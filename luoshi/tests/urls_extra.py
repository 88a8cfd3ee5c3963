"""The site's URLs plus one undeclared page: the route walker must name it."""

from django.http import HttpResponse
from django.urls import include, path

from luoshi.urls import urlpatterns as site

extra = ([path("", lambda request: HttpResponse("new"), name="page")], "extra")
urlpatterns = [*site, path("extra/", include(extra))]
