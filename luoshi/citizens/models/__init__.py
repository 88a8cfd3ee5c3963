from .choices import (
    CITIZEN_GRADES,
    CallPurpose,
    Channel,
    CitizenEventKind,
    MergeState,
    RatingSource,
    ReplyState,
    RequestType,
    Stage,
    WithdrawalState,
)
from .dispatch import DispatchModel, PastDispatch
from .policy import CitizenPolicy
from .request import (
    Category,
    CitizenEvent,
    CitizenRequest,
    ReplyTemplate,
    RequestPhoto,
    mask_phone,
    new_tracking_token,
)

__all__ = [
    "CITIZEN_GRADES",
    "CallPurpose",
    "Category",
    "Channel",
    "CitizenEvent",
    "CitizenEventKind",
    "CitizenPolicy",
    "CitizenRequest",
    "DispatchModel",
    "MergeState",
    "PastDispatch",
    "RatingSource",
    "ReplyState",
    "ReplyTemplate",
    "RequestPhoto",
    "RequestType",
    "Stage",
    "WithdrawalState",
    "mask_phone",
    "new_tracking_token",
]
