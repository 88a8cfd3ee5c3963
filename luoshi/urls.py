from django.contrib import admin
from django.urls import include, path

from luoshi.api import api

# Each app mounts its pages under its own prefix; the workspace (desk) is at "/".
APP_PREFIXES = {
    "org": "units/",
    "matters": "",
    "notifications": "notifications/",
    "documents": "documents/",
    "evaluation": "evaluation/",
    "targets": "targets/",
    "cockpit": "cockpit/",
    "projects": "projects/",
    "enterprises": "enterprises/",
    "workcalendar": "calendar/",
    "citizens": "citizens/",
    "hazards": "hazards/",
    "assessments": "assessments/",
}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    *[path(prefix, include(f"luoshi.{app}.urls")) for app, prefix in APP_PREFIXES.items()],
    path("open311/v2/", include("luoshi.citizens.open311.urls")),
    path("account/", include("luoshi.org.account_urls")),  # the user's own page (secauth)
]
# An outage (database or disk down) raised outside a view still gets a clean 503/507.
handler500 = "luoshi.lib.outage.server_error"
