"""Every change in enterprise service: one function per verb.

Each checks who may act (enterprises.permissions), locks the record and compares
the version the caller read, changes it in one transaction and appends its
EnterpriseEvent; problems become matters through matters.services. Pages, the API,
the scan command and the demo all call these functions.
"""

from .enterprises import (
    assign_liaison,
    end_liaison,
    register_enterprise,
    reissue_token,
    schedule_service_day,
)
from .problems import (
    due_dates,
    rate_problem,
    receive_problem,
    reopen_problem,
    settle_problem,
    transfer_problem,
)
from .scan import apply_default_ratings, escalate_unrevisited, expire_whitelist
from .whitelist import add_to_whitelist, renew_whitelist_entry, revoke_whitelist_entry

__all__ = [
    "add_to_whitelist",
    "apply_default_ratings",
    "assign_liaison",
    "due_dates",
    "end_liaison",
    "escalate_unrevisited",
    "expire_whitelist",
    "rate_problem",
    "receive_problem",
    "register_enterprise",
    "reissue_token",
    "renew_whitelist_entry",
    "reopen_problem",
    "revoke_whitelist_entry",
    "schedule_service_day",
    "settle_problem",
    "transfer_problem",
]
