"""One generated matter's life: its row, its units' parts, its events and its reports.

Each matter goes through the steps the services take (matters.services): registered
and assigned by a supervisor, signed for (accepted) by its units' handlers, reported
on, asked to be completed, reviewed, closed — or withdrawn — stopping at the state it
was drawn for, so its events, parts and dates agree with its state. The event rows
carry their hash-chain links (luoshi.lib.eventchain), computed here in the order the
rows are written, so no UPDATE follows the load.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from . import names

OPEN = frozenset({"assigned", "accepted", "in_progress", "completion_requested"})
# Hour -14: yesterday 10:00. Steps are at least an hour apart, so even the last of a
# matter's dozen steps (later() stops clamping) falls before today: none in the future.
YESTERDAY_END = -14
KIND_SOURCES = {
    "task": ["meeting", "instruction", "higher_level", "work_report", "proposal"],
    "enterprise": ["enterprise"],
    "hazard": ["inspection"],
    "citizen": ["citizen"],
}
# Deadlines in working days per kind (时限): hotline requests are short, tasks long.
KIND_WORKDAYS = {
    "task": [20, 30, 60, 90],
    "enterprise": [10, 20, 30],
    "hazard": [15, 30, 60],
    "citizen": [5, 10, 15],
}
CYCLES = ["weekly", "biweekly", "monthly", "monthly", "monthly", "quarterly", "none"]
REQUEST_TYPES = ["complaint", "complaint", "help", "help", "inquiry", "report", "suggestion"]
CHANNELS = ["hotline", "hotline", "hotline", "web", "api"]
REPORT_TEXTS = [
    "已召开专题会议研究部署，明确责任分工。",
    "已完成现场踏勘，制定整改方案。",
    "正在按计划推进，协调解决资金和用地问题。",
    "主体工作已完成，正在组织自查验收。",
]


@dataclass
class Rows:
    """The rows of a block of matters, one list per table, as the loader takes them."""

    matters: list[tuple] = field(default_factory=list)
    parts: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    reports: list[tuple] = field(default_factory=list)
    citizens: list[tuple] = field(default_factory=list)


class Lifecycle:
    """Writes matters into `Rows`, taking ids from counters it keeps."""

    def __init__(self, gen: Any, rng: random.Random) -> None:
        self.g, self.rng, self.clock = gen, rng, gen.clock
        self.part_id = self.event_id = self.report_id = self.request_id = 0
        self.work_orders: dict[int, int] = {}  # day → its last work-order number
        self.label = gen.event_label  # "matters.matterevent": the chain's model label
        self.link = gen.link_events

    # ------------------------------------------------------------------ one matter
    def matter(self, out: Rows, pk: int, serial: tuple[int, int], created: int, state: str):
        g, rng, clock = self.g, self.rng, self.clock
        kind = rng.choices(g.KINDS, g.KIND_WEIGHTS)[0]
        lead = g.grassroots_unit() if kind == "citizen" and g.tree.grassroots else g.work_unit()
        co = {g.work_unit() for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 2)))} - {lead}
        self.m = m = _Matter(pk, kind, lead, sorted(co), state)
        self.chain = ""
        m.events, m.hour = [], created
        self.event("matter.registered", g.supervisor(), None, "", "draft", {})
        assigned = self.later(rng.randint(1, 30))
        a_day = assigned // 24
        m.assigned, m.a_day = assigned, a_day
        self.deadline(kind, a_day, state in OPEN)
        units = [lead, *m.co]
        data = {
            "deadline": clock.iso_day(m.deadline) if m.deadline is not None else None,
            "deadline_provisional": False,
            "ongoing": m.deadline is None,
            "units": units,
        }
        self.event("matter.assigned", g.supervisor(), lead, "draft", "assigned", data)
        m.current = "assigned"
        m.parts = {u: self.part(out, u, "lead" if u == lead else "co", assigned) for u in units}
        if state != "assigned":
            self.accept(units)
            self.progress(out, state)
        if state in ("completion_requested", "completed", "closed"):
            self.finish(out, state)
        if state == "withdrawn":
            self.event("matter.withdrawn", g.supervisor(), None, m.current, "withdrawn", {},
                       comment="情况发生变化，不再督办")  # fmt: skip
            m.current = "withdrawn"
        self.write(out, pk, serial, kind, created)

    def later(self, hours: int) -> int:
        """The next step's time: `hours` on, never before the last step nor after yesterday."""
        self.m.hour = max(self.m.hour + 1, min(self.m.hour + hours, YESTERDAY_END))
        return self.m.hour

    def deadline(self, kind: str, a_day: int, is_open: bool) -> None:
        """Ongoing (5% of tasks), N working days (most) or a date. Most open matters are
        still within their deadline (as on a real ledger: a tenth or so overdue)."""
        m, rng, clock = self.m, self.rng, self.clock
        m.workdays = m.deadline = None
        roll = rng.random()
        if roll < 0.05 and kind == "task":  # 持续推进: ongoing, no deadline
            return
        options = KIND_WORKDAYS[kind]
        if is_open and rng.random() < 0.9:
            options = [n for n in options if clock.add_workdays(a_day, n) > 0]
        if roll < 0.75 and options:  # N 工作日 counted on the official calendar
            m.workdays = rng.choice(options)
            m.deadline = clock.add_workdays(a_day, m.workdays)
        elif is_open and not options:  # a date after today
            m.deadline = rng.randint(1, 120)
        else:
            m.deadline = a_day + rng.randint(30, 365)

    def accept(self, units: list[int]) -> None:
        m, g = self.m, self.g
        for unit in units:
            at = self.later(self.rng.randint(2, 40))
            lead = unit == m.lead
            to = "accepted" if lead else m.current
            self.event("part.accepted", g.handler(unit), unit, m.current, to, {})
            m.current = to
            m.parts[unit][1:] = ["accepted", at]
            if lead:
                m.accepted = at

    def progress(self, out: Rows, state: str) -> None:
        """Progress reports: from acceptance up to yesterday (open) or to completion."""
        m, rng = self.m, self.rng
        if state == "accepted" or state == "withdrawn" and rng.random() < 0.5:
            return
        left = max(YESTERDAY_END - m.hour, 2)
        span = left if state in ("in_progress", "withdrawn") else self.work_span(left)
        # About monthly while open; a closed matter keeps one or two (volume at 10M matters).
        count = 1 + min(3 if state == "in_progress" else 1, span // (24 * 30))
        percent = 0
        for _ in range(count):
            percent = min(95, percent + rng.randint(10, 40))
            self.report(out, m.lead, percent, rng.choice(REPORT_TEXTS), max(1, span // count))
        if state in ("in_progress", "completion_requested", "completed", "closed"):
            m.current = "in_progress"

    def work_span(self, left: int) -> int:
        """Hours the lead unit works before asking to complete: mostly within its deadline."""
        m = self.m
        if m.deadline is None:
            return min(left, self.rng.randint(60, 400) * 24)
        allowed = max(m.deadline - m.a_day, 1) * 24
        return min(left, max(24, int(allowed * self.rng.uniform(0.3, 1.15))))

    def report(self, out: Rows, unit: int, percent: int, text: str, hours: int, kind=None) -> None:
        m, g = self.m, self.g
        at = self.later(hours)
        self.report_id += 1
        part_id, _state, _accepted = m.parts[unit]
        out.reports.append(
            (self.report_id, m.pk, part_id, unit, g.handler(unit), text, percent, "",
             self.clock.at(at))
        )  # fmt: skip
        role = "lead" if unit == m.lead else "co"
        to = "in_progress" if role == "lead" and m.current == "accepted" else m.current
        data: dict[str, Any] = {"report": self.report_id, "percent": percent, "role": role}
        if kind == "review.requested":
            to, data = "completion_requested", {"report": self.report_id, "co_units_not_done": []}
        elif kind == "part.done":
            data = {}
        self.event(kind or "progress.reported", g.handler(unit), unit, m.current, to, data,
                   comment=text)  # fmt: skip
        m.current = to
        m.reports[unit] = (percent, at)

    def finish(self, out: Rows, state: str) -> None:
        """Co-units close their parts, the lead asks to complete; the office reviews, closes."""
        m, g, rng = self.m, self.g, self.rng
        for unit in m.co:
            self.report(out, unit, 100, "配合工作已完成。", rng.randint(2, 48), "part.done")
            m.parts[unit][1] = "done"
        self.report(out, m.lead, 100, "已按要求完成，申请办结。", 4, "review.requested")
        m.requested = m.hour
        if state == "completion_requested":
            return
        approved = self.later(rng.randint(4, 24 * 5))
        asked = m.requested // 24
        on_time = m.deadline is None or asked <= m.deadline
        waited = self.clock.workdays_between(asked, approved // 24)
        data = {
            "asked_on": self.clock.iso_day(asked),
            "on_time": on_time,
            "waited_workdays": waited,
        }
        self.event("review.approved", g.supervisor(), m.lead, m.current, "completed", data)
        m.current, m.completed = "completed", approved
        if state == "closed":
            m.closed = self.later(rng.randint(2, 24 * 20))
            self.event("matter.closed", g.supervisor(), None, "completed", "closed", {})
            m.current = "closed"

    # ------------------------------------------------------------------ rows
    def part(self, out: Rows, unit: int, role: str, assigned: int) -> list:
        self.part_id += 1
        return [self.part_id, "assigned", None]

    def event(self, kind, actor, unit, from_state, to_state, data, comment="") -> None:
        """An event row with its hash-chain link (luoshi.lib.eventchain's canonical form:
        JSON of [label, previous hash, fields by attname, sorted, empty ones left out]),
        written out by hand — json.dumps of the whole row per event is most of the time
        a large load takes; test_generate verifies the chains with `luoshi verify-log`."""
        m = self.m
        self.event_id += 1
        data_json = _dumps(data) if data else "{}"
        if self.link:
            q = _quoted
            text = "".join(
                [f'[{q(self.label)},"{self.chain}",{{"actor_id":{actor},"at":"{self.clock.iso(m.hour)}",',
                 f'"comment":{q(comment)},' if comment else "",
                 f'"data":{data_json},',
                 f'"from_state":{q(from_state)},' if from_state else "",
                 f'"kind":{q(kind)},"matter_id":{m.pk},"to_state":{q(to_state)}',
                 f',"unit_id":{unit}' if unit is not None else "",
                 "}]"]
            )  # fmt: skip
            self.chain = hashlib.sha256(text.encode()).hexdigest()
        m.events.append(
            (self.event_id, m.pk, kind, actor, unit, from_state, to_state, self.clock.at(m.hour),
             comment, data_json, self.chain)
        )  # fmt: skip

    def write(self, out: Rows, pk: int, serial: tuple[int, int], kind: str, created: int) -> None:
        m, g, clock, rng = self.m, self.g, self.clock, self.rng
        out.events.extend(m.events)
        percent, last = m.reports.get(m.lead, (0, None))
        place = g.unit_short_name(m.lead)
        title = names.title(kind, pk, place, rng)
        if kind == "citizen":
            self.citizen_request(out, title, created)
        deadline = clock.day(m.deadline) if m.deadline is not None else None
        basis = m.workdays is not None
        awaiting = m.requested if m.current == "completion_requested" else None
        out.matters.append(
            (pk, kind, rng.choice(KIND_SOURCES[kind]), title,
             serial[0], serial[1], m.lead, g.leader() if rng.random() < 0.4 else None,
             "none" if kind == "citizen" else rng.choice(CYCLES), m.current, len(m.events),
             deadline, m.workdays, deadline, m.deadline is None,
             clock.day(m.a_day) if basis else None, m.workdays,
             percent, percent if last is not None else None,
             clock.at(last) if last is not None else None, "normal", g.supervisor(),
             clock.at(created), clock.at(m.hour), clock.at(m.assigned),
             _at(clock, m.accepted), _at(clock, m.requested), _at(clock, m.completed),
             _at(clock, m.closed), _at(clock, awaiting),
             "urgent" if rng.random() < 0.1 else "normal")
        )  # fmt: skip
        self.write_parts(out, pk, cycle=out.matters[-1][MATTER_COLUMNS.index("report_cycle")])

    def write_parts(self, out: Rows, pk: int, cycle: str) -> None:
        """The matter's parts, each with the bucket it is counted in (matters.partcounts:
        part state|matter state|report cycle), as the services would have kept it."""
        m, clock = self.m, self.clock
        dispatched = m.current not in PRE_DISPATCH and m.assigned is not None
        for unit, (part_id, state, accepted) in m.parts.items():
            percent, last = m.reports.get(unit, (0, None))
            if state == "accepted" and last is not None:
                state = "in_progress"  # a report moves an accepted part on (services)
            out.parts.append(
                (part_id, pk, unit, "lead" if unit == m.lead else "co", state,
                 clock.at(m.assigned), clock.day(clock.add_workdays(m.a_day, 2)),
                 clock.at(accepted) if accepted is not None else None, percent,
                 clock.at(last) if last is not None else None,
                 f"{state}|{m.current}|{cycle}" if dispatched else None)
            )  # fmt: skip

    def citizen_request(self, out: Rows, title: str, created: int) -> None:
        """The citizen's request (citizens.CitizenRequest) the office dispatched as this
        matter: its work-order number (工单号: the day and its running number), tracking
        token, type, channel and place (the street or town, and its district)."""
        m, g, clock, rng = self.m, self.g, self.clock, self.rng
        day = created // 24
        self.work_orders[day] = number = self.work_orders.get(day, 0) + 1
        self.request_id += 1
        street = m.lead if g.kind_of(m.lead) == "street" else g.parent_of(m.lead)
        text = title.split("：", 1)[-1] + "，请尽快处理。"
        out.citizens.append(
            (self.request_id, f"{clock.iso_day(day).replace('-', '')}{number:04d}",
             secrets.token_urlsafe(24), m.pk, rng.choice(REQUEST_TYPES), text,
             rng.choice(CHANNELS), g.parent_of(street), street, clock.at(created), g.supervisor(),
             clock.at(created + 24), clock.at(m.assigned))
        )  # fmt: skip


def _dumps(value: Any) -> str:
    """JSON as the hash chain's canonical form writes it (sorted keys, compact, UTF-8)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_QUOTED: dict[str, str] = {}


def _quoted(text: str) -> str:
    """A string as JSON (quoted, escaped), remembered: the same few recur in every row."""
    if text not in _QUOTED:
        _QUOTED[text] = _dumps(text)
    return _QUOTED[text]


def _at(clock, hour: int | None):
    return clock.at(hour) if hour is not None else None


@dataclass
class _Matter:
    pk: int
    kind: str
    lead: int
    co: list[int]
    state: str
    current: str = "draft"
    hour: int = 0
    assigned: int = 0
    a_day: int = 0
    deadline: int | None = None
    workdays: int | None = None
    accepted: int | None = None
    requested: int | None = None
    completed: int | None = None
    closed: int | None = None
    events: list[tuple] = field(default_factory=list)
    parts: dict[int, list] = field(default_factory=dict)
    reports: dict[int, tuple[int, int]] = field(default_factory=dict)


PRE_DISPATCH = ("draft", "pending_approval", "approved")  # matters.models.PRE_DISPATCH_STATES
MATTER_COLUMNS = (
    "id", "kind", "source", "title", "serial_year", "serial_no", "lead_unit_id",
    "responsible_leader_id", "report_cycle", "state", "version", "deadline",
    "deadline_workdays", "original_deadline", "ongoing", "deadline_basis_day",
    "deadline_basis_workdays", "progress", "reported_progress", "last_report_at", "warning",
    "created_by_id", "created_at", "updated_at", "assigned_at", "accepted_at",
    "completion_requested_at", "completed_at", "closed_at", "awaiting_office_since", "priority",
)  # fmt: skip
PART_COLUMNS = (
    "id", "matter_id", "unit_id", "role", "state", "assigned_at", "accept_due", "accepted_at",
    "progress", "last_report_at", "counted",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "matter_id", "kind", "actor_id", "unit_id", "from_state", "to_state", "at", "comment",
    "data", "chain_hash",
)  # fmt: skip
REPORT_COLUMNS = (
    "id", "matter_id", "part_id", "unit_id", "author_id", "text", "percent", "problems",
    "created_at",
)  # fmt: skip
CITIZEN_COLUMNS = (
    "id", "work_order_number", "tracking_token", "matter_id", "request_type", "text", "channel",
    "district_id", "street_id", "received_at", "received_by_id", "dispatch_due_at",
    "dispatched_at",
)  # fmt: skip
