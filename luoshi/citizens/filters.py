"""The one filter of the request list: it drives the page, the htmx partial, the API and
the CSV export, so each shows the same requests for the same query string."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from luoshi.lib.dates import day_start, parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import is_id
from luoshi.matters.models import State
from luoshi.matters.services.reopening import SATISFIED_GRADES

from .models import (
    Channel,
    CitizenRequest,
    MergeState,
    RequestType,
    Stage,
    WithdrawalState,
)

UNSATISFIED = sorted(g for g in ("unsatisfied", "very_unsatisfied") if g not in SATISFIED_GRADES)
# The office's work queues (the list's tabs); queries.counts counts them at once.
QUEUES = {
    "to_dispatch": Q(dispatched_at__isnull=True)
    & ~Q(merge_state=MergeState.MERGED)
    & ~Q(withdrawal_state=WithdrawalState.CONFIRMED),
    "duplicates": Q(merge_state=MergeState.PROPOSED, dispatched_at__isnull=True),
    "late": Q(dispatch_late=True, dispatched_at__isnull=True)
    | Q(accept_late=True, matter__state=State.ASSIGNED),
    "to_rate": Q(matter__state=State.COMPLETED, rating=""),
    "unsatisfied": Q(matter__state=State.COMPLETED, rating__in=UNSATISFIED),
    "withdrawals": Q(withdrawal_state=WithdrawalState.PENDING),
}
QUEUE_LABELS = {
    "to_dispatch": _("To dispatch"),
    "duplicates": _("Proposed duplicates"),
    "late": _("Past a time limit"),
    "to_rate": _("Awaiting rating"),
    "unsatisfied": _("Unsatisfied: call back"),
    "withdrawals": _("Withdrawals to check"),
}
STAGE_FILTERS: dict[str, Q] = {
    Stage.RECEIVED: QUEUES["to_dispatch"],
    Stage.MERGED: Q(merge_state=MergeState.MERGED),
    Stage.DISPATCHED: Q(matter__state=State.ASSIGNED),
    Stage.IN_HAND: Q(
        matter__state__in=[State.ACCEPTED, State.IN_PROGRESS, State.COMPLETION_REQUESTED]
    ),
    Stage.ANSWERED: Q(matter__state=State.COMPLETED),
    Stage.CLOSED: Q(matter__state=State.CLOSED),
    Stage.WITHDRAWN: Q(withdrawal_state=WithdrawalState.CONFIRMED),
}


def _int(value: str | None, field: str) -> int | None:
    if not value:
        return None
    if not is_id(value):
        raise InvalidInput(str(_("Choose from the list.")), field=field)
    return int(value)


@dataclass
class CitizenRequestFilter:
    """Filters by queue, stage, type, channel, category, district, street, week and text."""

    data: QueryDict | dict

    def get(self, name: str) -> str:
        value = self.data.get(name) or ""
        return str(value).strip()

    def filter(self, requests: QuerySet[CitizenRequest]) -> QuerySet[CitizenRequest]:
        queue, stage = self.get("queue"), self.get("stage")
        if queue in QUEUES:
            requests = requests.filter(QUEUES[queue])
        if stage in STAGE_FILTERS:
            requests = requests.filter(STAGE_FILTERS[stage])
        for name, choices in (("request_type", RequestType), ("channel", Channel)):
            if self.get(name) in choices.values:
                requests = requests.filter(**{name: self.get(name)})
        for name in ("category", "district", "street"):
            if self.get(name) == "none":  # the hot spots' "not classified" / "no district"
                requests = requests.filter(**{f"{name}__isnull": True})
                continue
            pk = _int(self.get(name), name)
            if pk is not None:
                requests = requests.filter(**{f"{name}_id": pk})
        requests = self._dates(requests)
        q = self.get("q")
        if q:
            requests = requests.filter(
                Q(text__icontains=q) | Q(work_order_number__startswith=q) | Q(address__icontains=q)
            )
        return requests.order_by("-received_at", "-id")

    def _dates(self, requests: QuerySet[CitizenRequest]) -> QuerySet[CitizenRequest]:
        week = parse_date(self.get("week"), field="week")
        if week is not None:
            start = week - dt.timedelta(days=week.weekday())
            requests = requests.filter(
                received_at__gte=day_start(start),
                received_at__lt=day_start(start + dt.timedelta(days=7)),
            )
        since = parse_date(self.get("since"), field="since")
        if since is not None:
            requests = requests.filter(received_at__gte=day_start(since))
        until = parse_date(self.get("until"), field="until")
        if until is not None:
            requests = requests.filter(received_at__lt=day_start(until + dt.timedelta(days=1)))
        return requests

    def query_string(self, **changes: str) -> str:
        data = {k: self.get(k) for k in self.data if self.get(k) and k != "page"}
        data.update(changes)
        return urlencode({k: v for k, v in data.items() if v})
