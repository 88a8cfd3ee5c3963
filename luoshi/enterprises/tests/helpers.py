"""Enterprises and their problems built through enterprises.services."""

from __future__ import annotations

import datetime as dt

from luoshi.enterprises import services
from luoshi.enterprises.credit_code import check_character
from luoshi.enterprises.models import Enterprise, EnterpriseProblem, WhitelistEntry
from luoshi.matters import services as matter_services
from luoshi.matters.models import Matter

MONDAY = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai; conftest pins it


def credit_code(serial: int) -> str:
    first17 = f"91410100{serial:08d}X"
    return first17 + check_character(first17)


def enterprise(city, serial: int = 1, **fields) -> Enterprise:
    return services.register_enterprise(
        actor=city.supervisor,
        name=fields.pop("name", f"示例制造有限公司{serial}"),
        credit_code=credit_code(serial),
        district=fields.pop("district", city.district),
        **fields,
    )


def received(city, ent: Enterprise, **fields) -> EnterpriseProblem:
    return services.receive_problem(
        ent,
        title=fields.pop("title", "厂区道路断头，货车绕行"),
        category=fields.pop("category", "logistics"),
        channel=fields.pop("channel", "enterprise"),
        **fields,
    )


def whitelisted(city, ent: Enterprise, valid_to: dt.date, **fields) -> WhitelistEntry:
    """An entry valid from New Year to `valid_to`, approved by a city leader."""
    return services.add_to_whitelist(
        actor=fields.pop("actor", city.leader),
        enterprise=ent,
        guarantee=fields.pop("guarantee", "labour"),
        valid_from=fields.pop("valid_from", dt.date(2026, 1, 1)),
        valid_to=valid_to,
    )


def transfer(city, problem: EnterpriseProblem, unit=None, **fields) -> Matter:
    """The office transfers the problem as it is now (its current version)."""
    problem.refresh_from_db()
    return services.transfer_problem(
        problem,
        actor=fields.pop("actor", city.supervisor),
        version=problem.version,
        lead_unit=unit or city.lead,
        **fields,
    )


def rate(problem: EnterpriseProblem, grade: str, **fields) -> EnterpriseProblem:
    """The enterprise rates on its page, which shows the problem as it is now."""
    problem.refresh_from_db()
    return services.rate_problem(problem, grade, version=problem.version, **fields)


def answered(city, ent: Enterprise, **fields) -> EnterpriseProblem:
    """Received, transferred to the lead unit, handled and approved: awaiting the rating."""
    problem = received(city, ent, **fields)
    complete(city, transfer(city, problem))
    problem.refresh_from_db()
    return problem


def complete(city, matter: Matter) -> Matter:
    matter.refresh_from_db()
    if matter.state == "assigned":
        matter = matter_services.accept_matter(
            matter, actor=city.lead_handler, version=matter.version
        )
    matter = matter_services.request_completion(
        matter, actor=city.lead_handler, version=matter.version, text="已打通道路"
    )
    return matter_services.review_completion(
        matter, actor=city.supervisor, version=matter.version, outcome="approve"
    )
