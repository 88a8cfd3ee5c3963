"""Every change to the hazard register: one function per verb.

Each checks permission (hazards.permissions), locks the hazard and compares its
version, changes it in one transaction, appends its HazardEvent, and notifies after
commit. The rectification itself is a matter, driven through matters.services.
Pages, the API, the Excel intake, the scan and the demo all call these functions.
"""

from .rectification import assign_rectification, reinspect_hazard, verify_hazard
from .register import (
    FindingRow,
    HazardSpec,
    import_findings,
    register_hazard,
    start_campaign,
    update_hazard,
    withdraw_hazard,
)

__all__ = [
    "FindingRow",
    "HazardSpec",
    "assign_rectification",
    "import_findings",
    "register_hazard",
    "reinspect_hazard",
    "start_campaign",
    "update_hazard",
    "verify_hazard",
    "withdraw_hazard",
]
