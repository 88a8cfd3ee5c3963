from .figures import hotspots, hotspots_panel
from .office import intake, photo, request_action, request_detail, request_list, suggestions
from .public import request_form, track, track_action
from .setup import dispatch_model, reply_templates

__all__ = [
    "dispatch_model",
    "hotspots",
    "hotspots_panel",
    "intake",
    "photo",
    "reply_templates",
    "request_action",
    "request_detail",
    "request_form",
    "request_list",
    "suggestions",
    "track",
    "track_action",
]
