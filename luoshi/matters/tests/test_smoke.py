import datetime as dt

import time_machine

from luoshi.matters import services
from luoshi.matters.models import State
from luoshi.testing import accepted


@time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
def test_whole_loop(city):
    m = accepted(city, deadline=dt.date(2026, 4, 30))
    assert m.state == State.ACCEPTED
    services.report_progress(
        m, actor=city.lead_handler, version=m.version, text="done half", percent=50
    )
    m.refresh_from_db()
    assert m.state == State.IN_PROGRESS and m.progress == 50
    m = services.request_completion(m, actor=city.lead_handler, version=m.version, text="done")
    m = services.review_completion(m, actor=city.supervisor, version=m.version, outcome="approve")
    m = services.close_matter(m, actor=city.supervisor, version=m.version)
    assert m.state == State.CLOSED
    assert [e.kind for e in m.events.all()][:3] == [
        "matter.registered",
        "matter.assigned",
        "part.accepted",
    ]
