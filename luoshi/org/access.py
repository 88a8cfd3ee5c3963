"""What a user may see and do, derived once per request from their memberships."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User

from .models import Membership, Role, Unit


@dataclass(frozen=True)
class Access:
    """The roles and units of one user. Read by queries.visible_to and permissions."""

    user_id: int | None
    is_supervisor: bool = False
    is_leader: bool = False
    is_admin: bool = False
    handler_units: frozenset[int] = frozenset()
    head_units: frozenset[int] = frozenset()
    # Own units plus every unit below a unit the user heads.
    visible_units: frozenset[int] = frozenset()

    @property
    def is_office(self) -> bool:
        """Acts for the supervising office (督查室): a supervisor, or an administrator."""
        return self.is_supervisor or self.is_admin

    @property
    def sees_everything(self) -> bool:
        return self.is_supervisor or self.is_leader or self.is_admin

    @property
    def own_units(self) -> frozenset[int]:
        return self.handler_units | self.head_units

    def acts_for(self, unit_id: int) -> bool:
        return unit_id in self.own_units

    def heads(self, unit_id: int) -> bool:
        return unit_id in self.head_units


def access_for(user: User | AnonymousUser) -> Access:
    """The user's Access, cached on the user object for the rest of the request."""
    if not user.is_authenticated:
        return Access(user_id=None)
    cached: Access | None = getattr(user, "_luoshi_access", None)
    if cached is not None:
        return cached
    rows = list(Membership.objects.filter(user=user).values_list("role", "unit_id", "unit__path"))
    roles = {role for role, _, _ in rows}
    handler = frozenset(u for role, u, _ in rows if role == Role.HANDLER)
    head = frozenset(u for role, u, _ in rows if role == Role.UNIT_HEAD)
    head_paths = [path for role, _, path in rows if role == Role.UNIT_HEAD]
    below = set()
    if head_paths:
        from django.db.models import Q

        query = Q()
        for path in head_paths:
            query |= Q(path__startswith=path)
        below = set(Unit.objects.filter(query).values_list("id", flat=True))
    access = Access(
        user_id=user.pk,
        is_supervisor=Role.SUPERVISOR in roles,
        is_leader=Role.LEADER in roles,
        is_admin=Role.ADMIN in roles or user.is_superuser,
        handler_units=handler,
        head_units=head,
        visible_units=frozenset(handler | head | below),
    )
    setattr(user, "_luoshi_access", access)  # noqa: B010  (a per-request cache on the user)
    return access
