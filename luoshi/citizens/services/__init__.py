"""Every change of a citizen request: one function per verb (see each module)."""

from .dispatching import correct_category, decline_merge, dispatch_request, merge_request
from .intake import Intake, receive_request
from .replies import reply_to_citizen, save_template
from .satisfaction import (
    apply_default_ratings,
    rate_request,
    record_return_call,
    request_withdrawal,
)

__all__ = [
    "Intake",
    "apply_default_ratings",
    "correct_category",
    "decline_merge",
    "dispatch_request",
    "merge_request",
    "rate_request",
    "receive_request",
    "record_return_call",
    "reply_to_citizen",
    "request_withdrawal",
    "save_template",
]
