"""The demo city's matters (示例市): a year of supervision, built through the services.

`luoshi demo` (luoshi/demo) calls `build(context)` here after org's builder made the
units and users, and before the apps built on matters. Each matter
follows a planned story — register, approve, assign, accept, report, dispute,
extend, suspend, hasten, complete, review, close — whose steps run at past dates
under time_machine, so events carry realistic timestamps and the final warning
scan finds real due-soon, overdue, stalled and behind-plan matters.

Steps of all stories are sorted by day and run in that order, so serial numbers
rise with the registration date as they would in a real office.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from unittest import mock

from luoshi.lib.demo import DemoContext
from luoshi.lib.errors import DomainError
from luoshi.matters import warnings
from luoshi.matters.models import Matter, SourcePolicy

from .stories import MUST_HAVE, S, Story, plan_dates, random_profile, schedule
from .topics import APPROVAL_SOURCES, pick_topic

__all__ = ["build", "summary"]


def run_stories(ctx: DemoContext, stories: list[Story]) -> None:
    """Run every story's steps in date order, at increasing times within each day.

    Sorting on (day, story, step) keeps each story's own order and lets a parent's
    decomposition run before its children's first steps on the same day.

    Each morning with steps the warning scan runs as the nightly job would, and the
    services' own one-row refresh (warnings.refresh_warning) is skipped meanwhile:
    the morning scans give the same warnings at a fraction of the cost, with a real
    history of digests. The final scan in `luoshi demo` brings every warning to today.
    """
    steps = [
        (day, order, index, action)
        for order, story in enumerate(stories)
        for index, (day, action) in enumerate(story.steps)
    ]
    steps.sort(key=lambda s: s[:3])
    per_day = Counter(step[0] for step in steps)
    if not steps:
        return
    ctx.log(f"{len(stories)} matters, {len(steps)} steps from {min(per_day)} to {max(per_day)}")
    full_scan, minute, current = warnings.scan, 0, None
    with mock.patch.object(warnings, "scan", _scan_unless_one_row(full_scan)):
        for day, order, index, action in steps:
            if day != current:
                _morning_scan(ctx, full_scan, day)
                current, minute = day, 8 * 60 + ctx.rng.randint(20, 50)
            minute = min(minute + ctx.rng.randint(1, max(1, 540 // per_day[day])), 23 * 60 + 58)
            with ctx.at(day, minute):
                try:
                    action()
                except DomainError as error:  # a planning bug: say which story and step
                    story = stories[order]
                    raise DemoError(
                        f"{story.topic.title} {story.profile}, step {index} on {day}: {error}"
                    ) from error


def _scan_unless_one_row(full_scan: Callable) -> Callable:
    def scan(today=None, queryset=None, **kwargs):
        return {} if queryset is not None else full_scan(today, queryset, **kwargs)

    return scan


def _morning_scan(ctx: DemoContext, full_scan: Callable, day: dt.date) -> None:
    with ctx.at(day, 7 * 60 + 30):
        full_scan()


class DemoError(Exception):
    pass


def plan(ctx: DemoContext, count: int) -> list[Story]:
    """Every state, warning and path once (MUST_HAVE), then random profiles up to `count`."""
    rng, year = ctx.rng, ctx.today.year
    profiles = MUST_HAVE[:count] + [random_profile(rng) for _ in range(count - len(MUST_HAVE))]
    stories = []
    for profile in profiles:
        approval = profile.state in (S.PENDING_APPROVAL, S.APPROVED)
        approval = approval or profile.sent_back or profile.decompose
        topic = pick_topic(rng, year, needs_approval=approval)
        if profile.state in (S.COMPLETED, S.CLOSED) and rng.random() < 0.3:
            topic.short = True
        story = Story(ctx, topic, profile, plan_dates(ctx, topic, profile))
        schedule(story)
        stories += [story, *story.children]
    return stories


def build(ctx: DemoContext, count: int | None = None) -> list[Matter]:
    """Plan and run about `count` matters (ctx.matter_count unless given; more with
    sub-matters); returns them, also as ctx.matters."""
    count = ctx.matter_count if count is None else count
    for source in APPROVAL_SOURCES:
        SourcePolicy.objects.update_or_create(
            source=source, defaults={"requires_leader_approval": True}
        )
    stories = plan(ctx, count)
    run_stories(ctx, stories)
    ids = [s.pk for s in stories if s.pk is not None]
    ctx.matters = list(Matter.objects.filter(pk__in=ids).order_by("serial_year", "serial_no"))
    return ctx.matters


def summary(matters: list[Matter]) -> dict[str, dict[str, int]]:
    """Matters by state, and open matters by warning, as they are now in the database."""
    by_state: dict[str, int] = defaultdict(int)
    by_warning: dict[str, int] = defaultdict(int)
    for matter in Matter.objects.filter(pk__in=[m.pk for m in matters]).only("state", "warning"):
        by_state[matter.state] += 1
        if matter.is_open:
            by_warning[matter.warning] += 1
    return {"state": dict(by_state), "warning": dict(by_warning)}
