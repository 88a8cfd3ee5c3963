"""Who may use the holiday schedule page (luoshi.lib.routes): the office enters it
(workcalendar.services.require_office); everyone else is refused (403)."""

from luoshi.lib.routes import OFFICE, Route

ROUTES = {
    "workcalendar:index": Route(OFFICE),
}
