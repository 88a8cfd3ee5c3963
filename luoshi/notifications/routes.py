"""Who may use the inbox (luoshi.lib.routes): everyone signed in, for their own messages
and their own notification settings."""

from luoshi.lib.routes import SIGNED_IN, Route

ROUTES = {
    "notifications:inbox": Route(SIGNED_IN),
    "notifications:read": Route(SIGNED_IN, method="POST"),
    "notifications:preferences": Route(SIGNED_IN),
    "GET /api/notifications/": Route(SIGNED_IN),
    "GET /api/notifications/unread-count": Route(SIGNED_IN),
    "POST /api/notifications/read": Route(SIGNED_IN),
}
