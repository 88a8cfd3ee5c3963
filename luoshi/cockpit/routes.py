"""Who may use the cockpit (luoshi.lib.routes): leaders, supervisors and admins."""

from luoshi.lib.routes import OVERSEER, Route

FLOW = {"metric": "completed", "from": "2026-01-01", "to": "2026-12-31"}

ROUTES = {
    "cockpit:index": Route(OVERSEER),
    "cockpit:screen": Route(OVERSEER),
    "cockpit:flow_matters": Route(OVERSEER),
    "GET /api/cockpit/summary": Route(OVERSEER),
    "GET /api/cockpit/units": Route(OVERSEER),
    "GET /api/cockpit/trend": Route(OVERSEER),
    "GET /api/cockpit/blueprint": Route(OVERSEER),
    "GET /api/cockpit/targets": Route(OVERSEER),
    "GET /api/cockpit/ranking": Route(OVERSEER),
    "GET /api/cockpit/changes": Route(OVERSEER),
    "GET /api/cockpit/matters": Route(OVERSEER, query=FLOW),
}
