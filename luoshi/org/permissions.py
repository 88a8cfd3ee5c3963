"""Who may change the unit tree and who holds which role: each rule written once.

Memberships decide what every user sees, so only administrators change them (and rename,
move or archive the units they hang on); the office adds the units and unit names an
imported table needs. `actor=None` is the system itself: `luoshi demo`, a data migration,
a management command run by the operator.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed

from .access import Access, access_for


def may_manage_units(access: Access) -> bool:
    """Rename, move, archive units and set their aliases."""
    return access.is_admin


def may_extend_units(access: Access) -> bool:
    """Add a unit or another name of a unit, as an imported table needs: the office.

    Neither changes who sees what (memberships do), so supervisors may, not only admins.
    """
    return access.is_office


def may_grant_roles(access: Access) -> bool:
    """Grant and revoke roles (memberships) in units."""
    return access.is_admin


def require_unit_manager(actor: User | AnonymousUser | None) -> None:
    if actor is not None and not may_manage_units(access_for(actor)):
        raise NotAllowed(_("Only administrators may change units."))


def require_unit_extender(actor: User | AnonymousUser | None) -> None:
    if actor is not None and not may_extend_units(access_for(actor)):
        raise NotAllowed(_("Only the office may add units or their names."))


def require_role_granter(actor: User | AnonymousUser | None) -> None:
    if actor is not None and not may_grant_roles(access_for(actor)):
        raise NotAllowed(_("Only administrators may grant or revoke roles."))
