"""The JSON API (django-ninja) at /api/: one router per app, domain errors as JSON."""

from importlib import import_module

from ninja import NinjaAPI

api = NinjaAPI(title="Luoshi API", version="1", urls_namespace="api")

ROUTERS = {
    "org": "/units",
    "matters": "/matters",
    "notifications": "/notifications",
    "documents": "/documents",
    "evaluation": "/evaluation",
    "targets": "/targets",
    "cockpit": "/cockpit",
    "projects": "/projects",
    "enterprises": "/enterprises",
}
for _app, _prefix in ROUTERS.items():
    api.add_router(_prefix, import_module(f"luoshi.{_app}.api").router)
