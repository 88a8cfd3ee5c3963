"""Demo documents of 示例市 (called by `luoshi demo`): the monthly 督查通报.

The office issues a bulletin on the first working days of each month for the month
before, through the services at that date, as a real office files them: so the
documents page, the units' pages and the matters show a year of bulletins, and the
current month waits as a draft for the supervisor to edit and issue.
"""

from __future__ import annotations

import datetime as dt

from . import services

ISSUE_DAY = 5  # bulletins go out in the first week of the month after


def build(ctx) -> None:
    supervisor = ctx.supervisors[0]
    issued = 0
    for start, end in _months(ctx.start, ctx.today):
        day = _workday_on_or_after(ctx, end + dt.timedelta(days=ISSUE_DAY))
        if day >= ctx.today:
            break
        with ctx.at(day):
            bulletin = services.draft_bulletin(actor=supervisor, period_start=start, period_end=end)
            services.issue_bulletin(bulletin, actor=supervisor, version=bulletin.version)
        issued += 1
    this_month = ctx.today.replace(day=1)
    if ctx.today > this_month:
        with ctx.at(ctx.today):
            services.draft_bulletin(
                actor=supervisor, period_start=this_month, period_end=ctx.today - dt.timedelta(1)
            )
    ctx.log(f"documents: {issued} monthly bulletins issued, this month's drafted")


def _months(first: dt.date, today: dt.date):
    """(first day, last day) of each whole month from `first`'s month to the last before today."""
    start = first.replace(day=1)
    while True:
        following = (start + dt.timedelta(days=32)).replace(day=1)
        end = following - dt.timedelta(days=1)
        if end >= today:
            return
        yield start, end
        start = following


def _workday_on_or_after(ctx, day: dt.date) -> dt.date:
    while not ctx.calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day
