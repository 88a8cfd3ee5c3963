"""Every change in the ratings: one function per verb.

Each checks permission (assessments.permissions), locks the record and compares its
version, changes it in one transaction, appends its AssessmentEvent, and notifies
after commit. `record_incidents` is the seam other apps feed (hazards, citizens).
"""

from .cycles import (
    ReviewEntry,
    SelfEntry,
    open_cycle,
    publish_cycle,
    return_assessment,
    review_assessment,
    rule_finding,
    self_assess,
)
from .records import (
    ActivitySpec,
    IncidentRecord,
    record_activity,
    record_incident,
    record_incidents,
    void_activity,
    void_incident,
)

__all__ = [
    "ActivitySpec",
    "IncidentRecord",
    "ReviewEntry",
    "SelfEntry",
    "open_cycle",
    "publish_cycle",
    "record_activity",
    "record_incident",
    "record_incidents",
    "return_assessment",
    "review_assessment",
    "rule_finding",
    "self_assess",
    "void_activity",
    "void_incident",
]
