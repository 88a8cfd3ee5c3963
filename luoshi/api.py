"""The JSON API (django-ninja) at /api/: routers per app, domain errors as JSON."""

from ninja import NinjaAPI

api = NinjaAPI(title="Luoshi API", version="1", urls_namespace="api")
