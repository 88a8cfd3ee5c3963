"""Who may use org's pages and API operations (luoshi.lib.routes; the route walker checks)."""

from typing import Any

from luoshi.lib.routes import SIGNED_IN, Policy, Route, _refused

ROUTES = {
    # The user's own page: each user acts on their own tokens and second factor only.
    "account:page": Route(SIGNED_IN),
    "account:token_new": Route(SIGNED_IN, method="POST"),
    "account:token_revoke": Route(
        SIGNED_IN,
        method="POST",
        pk="nobody_token",
        note="a token of another user is 404: the walker revokes the persona's own",
    ),
    "account:otp_start": Route(
        Policy("office (second factor)", allowed="supervisor", refused=_refused(nobody=403)),
        method="POST",
    ),
    "account:otp_confirm": Route(SIGNED_IN, method="POST"),
    "account:otp_remove": Route(SIGNED_IN, method="POST"),
    "account:verify": Route(SIGNED_IN),
    "org:index": Route(SIGNED_IN),
    "org:detail": Route(SIGNED_IN, pk="lead"),
    "org:search": Route(SIGNED_IN),
    "GET /api/units/": Route(SIGNED_IN),
    "GET /api/units/tree": Route(SIGNED_IN),
    "GET /api/units/{pk}": Route(SIGNED_IN, pk="lead"),
}


def sample(world: Any) -> None:
    """An API token of the signed-in persona without a role ("nobody"), to revoke."""
    from luoshi.org.tokens import issue_token

    if hasattr(world, "nobody"):
        world.nobody_token = issue_token(world.nobody, "walker")[0]
