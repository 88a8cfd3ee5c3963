"""The requester's rating of a completed matter, and reopening it when unsatisfied.

Kinds of matter raised by someone outside the office (an enterprise, a citizen) are
closed by the requester's rating (评价), not by the supervisor's close_matter:

1. The supervisor approves the completion (review_completion) → completed.
2. The requester rates it with one of five grades (rate_matter). A satisfied grade
   (非常满意 / 满意 / 基本满意) closes the matter at once.
3. An unsatisfied grade keeps it completed; the office revisits (回访) and reopens it
   (reopen_matter) with a fresh time limit, back in the standard loop.
4. Once reopens are used up, an unsatisfied matter goes to the supervisor, who closes
   it with a written ruling (settle_unsatisfied).

The limits (how many reopens, the fresh time limit) are the caller's: enterprise
service passes its EnterprisePolicy. Who may rate is established by the caller too
(an enterprise through its tokened link has no account), so `actor` may be None.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.notifications.messages import N_
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import (
    notify,
    resolve_notices,
    users_of_units,
    users_with_role,
)
from luoshi.org.access import access_for
from luoshi.org.models import Role
from luoshi.workcalendar.calendar import get_calendar

from .. import permissions
from ..events import closed_by_rating, closed_by_ruling, rated, read_rated, reopened
from ..models import (  # Rating and SATISFIED_GRADES: still importable from here
    SATISFIED_GRADES,
    EventKind,
    Matter,
    MatterEvent,
    MatterWarning,
    Rating,
    State,
)
from ..warnings import refresh_warning
from ._base import lock, record, require_text, today
from .deadlines import count_deadline


def last_rating(matter: Matter) -> MatterEvent | None:
    """The rating of the current completion, or None if it is not rated yet.

    A rating given before the latest approval belongs to an earlier round (the
    matter was reopened since), so it does not count.
    """
    last = (
        matter.events.filter(kind__in=[EventKind.RATED, EventKind.REVIEW_APPROVED])
        .order_by("-at", "-id")
        .first()
    )
    return last if last is not None and last.kind == EventKind.RATED else None


def reopen_count(matter: Matter) -> int:
    return matter.events.filter(kind=EventKind.REOPENED).count()


def _require_supervisor(actor: User) -> None:
    if not permissions.may_revisit(access_for(actor)):
        raise NotAllowed(_("Only the office's supervisors may reopen or settle a matter."))


def _require_completed(matter: Matter) -> None:
    if matter.state != State.COMPLETED:
        raise IllegalTransition(
            _("Only a completed matter can be rated or reopened (it is %(state)s).")
            % {"state": matter.get_state_display()}
        )


def _require_unsatisfied(matter: Matter) -> MatterEvent:
    rating = last_rating(matter)
    if rating is None or read_rated(rating)["grade"] in SATISFIED_GRADES:
        raise IllegalTransition(_("Only a matter rated unsatisfied can be reopened or settled."))
    return rating


@transaction.atomic
def rate_matter(
    matter: Matter,
    *,
    grade: str,
    actor: User | None = None,
    comment: str = "",
    automatic: bool = False,
) -> Matter:
    """Record the requester's rating; a satisfied grade closes the matter (销号).

    `automatic` marks the default grade given when the requester did not rate in time.
    """
    if grade not in Rating.values:
        raise InvalidInput(_("Choose one of the five grades."), field="grade")
    matter = lock(matter.pk, None)  # a rating is not an edit of what the rater saw
    _require_completed(matter)
    if last_rating(matter) is not None:
        raise IllegalTransition(_("This answer has already been rated."))
    satisfied = grade in SATISFIED_GRADES
    data = rated(grade, satisfied=satisfied, automatic=automatic)
    record(matter, EventKind.RATED, actor, from_state=State.COMPLETED, comment=comment, data=data)
    if satisfied:
        matter.state, matter.closed_at = State.CLOSED, timezone.now()
        closed = closed_by_rating(grade)
        record(matter, EventKind.CLOSED, actor, from_state=State.COMPLETED, data=closed)
        resolve_notices(matter.pk, NotificationKind.values)
    else:
        notify(
            users_with_role(Role.SUPERVISOR),
            kind=NotificationKind.REVIEW,
            matter_id=matter.pk,
            text=N_("%(serial)s was rated %(grade)s: revisit the requester and decide.")
            % {"serial": matter.serial, "grade": Rating(grade).label},
        )
    return matter


@transaction.atomic
def reopen_matter(
    matter: Matter,
    *,
    actor: User,
    version: int | None,
    comment: str,
    limit_workdays: int,
    max_reopens: int = 1,
) -> Matter:
    """Reopen a matter rated unsatisfied: back in progress with a fresh time limit (重办)."""
    _require_supervisor(actor)
    matter = lock(matter, version)
    _require_completed(matter)
    rating = _require_unsatisfied(matter)
    comment = require_text(comment, "comment", _("What the revisit found"))
    done = reopen_count(matter)
    if done >= max_reopens:
        raise IllegalTransition(
            _("This matter was already reopened %(n)s time(s); the supervisor settles it now.")
            % {"n": done}
        )
    old_deadline = matter.deadline
    new_deadline = count_deadline(matter, get_calendar(), (today(), limit_workdays))
    matter.state, matter.completed_at = State.IN_PROGRESS, None
    matter.completion_requested_at, matter.warning = None, MatterWarning.NORMAL
    data = reopened(
        read_rated(rating)["grade"],
        done + 1,
        old_deadline.isoformat() if old_deadline else None,
        new_deadline.isoformat(),
    )
    record(
        matter, EventKind.REOPENED, actor, from_state=State.COMPLETED, comment=comment, data=data
    )
    resolve_notices(matter.pk, [NotificationKind.REVIEW], user_ids=users_with_role(Role.SUPERVISOR))
    units = matter.parts.filter(active=True).values_list("unit_id", flat=True)
    notify(
        users_of_units(units),
        kind=NotificationKind.REVIEW,
        matter_id=matter.pk,
        text=N_("%(serial)s was reopened after an unsatisfied rating, due %(day)s: %(comment)s")
        % {"serial": matter.serial, "day": matter.deadline, "comment": comment},
    )
    refresh_warning(matter)
    return matter


@transaction.atomic
def settle_unsatisfied(
    matter: Matter, *, actor: User, version: int | None, comment: str, max_reopens: int = 1
) -> Matter:
    """The supervisor closes a matter still unsatisfied after its reopens, with a ruling."""
    _require_supervisor(actor)
    matter = lock(matter, version)
    _require_completed(matter)
    rating = _require_unsatisfied(matter)
    if reopen_count(matter) < max_reopens:
        raise IllegalTransition(_("Reopen the matter first; it has a reopen left."))
    comment = require_text(comment, "comment", _("The supervisor's ruling"))
    matter.state, matter.closed_at = State.CLOSED, timezone.now()
    record(
        matter,
        EventKind.CLOSED,
        actor,
        from_state=State.COMPLETED,
        comment=comment,
        data=closed_by_ruling(read_rated(rating)["grade"]),
    )
    resolve_notices(matter.pk, NotificationKind.values)
    return matter
