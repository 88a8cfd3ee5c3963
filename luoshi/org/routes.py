"""Who may use org's pages and API operations (luoshi.lib.routes; the route walker checks)."""

from luoshi.lib.routes import SIGNED_IN, Route

ROUTES = {
    "org:index": Route(SIGNED_IN),
    "org:detail": Route(SIGNED_IN, pk="lead"),
    "GET /api/units/": Route(SIGNED_IN),
    "GET /api/units/tree": Route(SIGNED_IN),
    "GET /api/units/{pk}": Route(SIGNED_IN, pk="lead"),
}
