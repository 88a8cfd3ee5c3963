"""The citizen's word on the answer: ratings, return calls (回访) and withdrawals (撤单).

1. When the answer is approved the matter is completed; the citizen rates it
   满意 / 基本满意 / 不满意 on the tracking page, or the office records the grade in a
   return call. A satisfied grade closes the matter (matters' rate_matter).
2. Not rated within CitizenPolicy.rating_days: 基本满意 is given (apply_default_ratings,
   run by the nightly scan).
3. 不满意: the office calls back; the call reopens the matter once (reopen_matter),
   and after that settles it with the supervisor's ruling (settle_unsatisfied).
4. A withdrawal counts only after a return call asks whether the citizen was pressed
   to withdraw: if not, the matter is withdrawn; if so, the withdrawal is refused and
   the request goes on, and the office is told.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.matters import services as matter_services
from luoshi.matters.models import State
from luoshi.matters.services.reopening import SATISFIED_GRADES, last_rating, reopen_count
from luoshi.notifications.messages import N_
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, resolve_notices, users_with_role
from luoshi.org.access import access_for
from luoshi.org.models import Role

from ..models import (
    CITIZEN_GRADES,
    CallPurpose,
    CitizenEventKind,
    CitizenPolicy,
    CitizenRequest,
    MergeState,
    RatingSource,
    WithdrawalState,
)
from ..permissions import require_office
from ._base import lock, record, require_text


def _require_answered(request: CitizenRequest) -> None:
    matter = request.matter
    if matter is None or matter.state != State.COMPLETED:
        raise IllegalTransition(_("Only an answered request can be rated."))
    if last_rating(matter) is not None:
        raise IllegalTransition(_("This answer has already been rated."))


@transaction.atomic
def rate_request(
    request: CitizenRequest,
    grade: str,
    *,
    source: str = RatingSource.TRACKING,
    actor: User | None = None,
    comment: str = "",
) -> CitizenRequest:
    """Record the citizen's grade; the caller established who rates (token, call, scan)."""
    if grade not in CITIZEN_GRADES:
        raise InvalidInput(
            _("Choose satisfied, basically satisfied or unsatisfied."), field="grade"
        )
    request = lock(request, None)
    _require_answered(request)
    assert request.matter is not None  # _require_answered refused a request without one
    comment = (comment or "").strip()[:500]
    matter_services.rate_matter(
        request.matter,
        grade=grade,
        actor=actor,
        comment=comment,
        automatic=source == RatingSource.DEFAULT,
    )
    request.rating, request.rating_source, request.rated_at = grade, source, timezone.now()
    record(
        request,
        CitizenEventKind.RATED,
        actor,
        comment=comment,
        data={"grade": grade, "source": source},
    )
    return request


def apply_default_ratings(now: dt.datetime | None = None) -> int:
    """基本满意 for answers not rated within the rating days; returns how many."""
    now = now or timezone.now()
    policy = CitizenPolicy.current()
    due = CitizenRequest.objects.filter(
        matter__state=State.COMPLETED,
        matter__completed_at__lte=now - dt.timedelta(days=policy.rating_days),
    ).select_related("matter")
    count = 0
    for request in due:
        # matter__state filtered above: every one of these requests has its matter.
        if request.matter is not None and last_rating(request.matter) is None:
            rate_request(request, policy.default_rating, source=RatingSource.DEFAULT)
            count += 1
    return count


@transaction.atomic
def request_withdrawal(
    request: CitizenRequest, *, reason: str, actor: User | None = None
) -> CitizenRequest:
    """The citizen withdraws (撤单). Before dispatch it counts at once (no unit could have
    pressed anyone); after, it waits for the return call that checks it."""
    request = lock(request, None)
    reason = require_text(reason, "reason", _("The reason"), limit=300)
    if request.merge_state == MergeState.MERGED:
        raise IllegalTransition(_("A merged request is handled with the one it joined."))
    if request.withdrawal_state in (WithdrawalState.PENDING, WithdrawalState.CONFIRMED):
        raise IllegalTransition(_("This request is already being withdrawn."))
    if request.matter is not None and request.matter.is_terminal:
        raise IllegalTransition(_("This request is already finished."))
    request.withdrawal_reason = reason
    if request.matter_id is None:
        request.withdrawal_state = WithdrawalState.CONFIRMED
        record(request, CitizenEventKind.WITHDRAWAL_CONFIRMED, actor, comment=reason)
        return request
    request.withdrawal_state = WithdrawalState.PENDING
    record(request, CitizenEventKind.WITHDRAWAL_REQUESTED, actor, comment=reason)
    notify(
        users_with_role(Role.SUPERVISOR),
        kind=NotificationKind.CITIZEN,
        matter_id=request.matter_id,
        text=N_("The citizen asks to withdraw %(number)s: call back to check it.")
        % {"number": request.work_order_number},
    )
    return request


@transaction.atomic
def record_return_call(
    request: CitizenRequest,
    *,
    actor: User,
    version: int | None,
    purpose: str,
    reached: bool,
    notes: str = "",
    grade: str = "",
    pressed: bool | None = None,
) -> CitizenRequest:
    """Record a return call (回访) and do what its result decides (see the module's steps)."""
    require_office(access_for(actor), _("record return calls"))
    request = lock(request, version)
    if purpose not in CallPurpose.values:
        raise InvalidInput(_("Choose why you called."), field="purpose")
    notes = (notes or "").strip()[:1000]
    if purpose == CallPurpose.WITHDRAWAL and reached and pressed is None:
        raise InvalidInput(_("Say whether the citizen was pressed to withdraw."), field="pressed")
    data = {"purpose": purpose, "reached": reached, "grade": grade, "pressed": pressed}
    record(request, CitizenEventKind.RETURN_CALL, actor, comment=notes, data=data)
    if not reached:
        return request
    if purpose == CallPurpose.SATISFACTION:
        if not grade:
            raise InvalidInput(_("Enter the grade the citizen gave."), field="grade")
        return rate_request(request, grade, source=RatingSource.RETURN_CALL, actor=actor)
    if purpose == CallPurpose.UNSATISFIED:
        return _after_unsatisfied_call(request, actor, notes)
    return _after_withdrawal_call(request, actor, notes, pressed=bool(pressed))


def _after_unsatisfied_call(request: CitizenRequest, actor: User, notes: str) -> CitizenRequest:
    matter = request.matter
    rating = last_rating(matter) if matter else None
    if matter is None or matter.state != State.COMPLETED or rating is None:
        raise IllegalTransition(_("Only a request rated unsatisfied is revisited this way."))
    if rating.data.get("grade") in SATISFIED_GRADES:
        raise IllegalTransition(_("Only a request rated unsatisfied is revisited this way."))
    notes = require_text(notes, "notes", _("What the call found"), limit=1000)
    policy = CitizenPolicy.current()
    if reopen_count(matter) < policy.max_reopens:
        matter_services.reopen_matter(
            matter,
            actor=actor,
            version=matter.version,
            comment=notes,
            limit_workdays=policy.reopen_workdays,
            max_reopens=policy.max_reopens,
        )
    else:
        matter_services.settle_unsatisfied(
            matter,
            actor=actor,
            version=matter.version,
            comment=notes,
            max_reopens=policy.max_reopens,
        )
    return request


def _after_withdrawal_call(
    request: CitizenRequest, actor: User, notes: str, *, pressed: bool
) -> CitizenRequest:
    if request.withdrawal_state != WithdrawalState.PENDING:
        raise IllegalTransition(_("No withdrawal of this request awaits a check."))
    matter = request.matter
    # request_withdrawal makes a withdrawal wait for this call only once a matter exists.
    assert matter is not None
    if pressed:
        request.withdrawal_state = WithdrawalState.REFUSED
        record(request, CitizenEventKind.WITHDRAWAL_REFUSED, actor, comment=notes)
        leaders = users_with_role(Role.SUPERVISOR) | users_with_role(Role.LEADER)
        notify(
            leaders,
            kind=NotificationKind.CITIZEN,
            matter_id=request.matter_id,
            text=N_("The citizen of %(number)s was pressed to withdraw: the request goes on.")
            % {"number": request.work_order_number},
        )
    else:
        request.withdrawal_state = WithdrawalState.CONFIRMED
        record(request, CitizenEventKind.WITHDRAWAL_CONFIRMED, actor, comment=notes)
        matter_services.withdraw_matter(
            matter,
            actor=actor,
            version=matter.version,
            reason=_("Withdrawn by the citizen (checked by a return call): %(reason)s")
            % {"reason": request.withdrawal_reason},
        )
    resolve_notices(matter.pk, [NotificationKind.CITIZEN])
    return request
