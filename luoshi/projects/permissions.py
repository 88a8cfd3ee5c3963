"""Who may change key projects: each rule written once.

Services call the `require_…` functions before changing anything (NotAllowed → 403);
pages and the API ask the predicates to offer only what the user may do. Who may
*read* a project is queries.visible_projects.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.org.access import Access

from .models import Project


def may_manage(access: Access) -> bool:
    """Register, edit, plan, set the status, import, raise problems: the office."""
    return access.is_office


def may_report(access: Access, project: Project) -> bool:
    """Record stages and report months: the office, or the project's responsible unit."""
    return access.is_office or access.acts_for(project.responsible_unit_id)


def require_manage(access: Access) -> None:
    if not may_manage(access):
        raise NotAllowed(_("Only the office's supervisors may manage the key project list."))


def require_report(access: Access, project: Project) -> None:
    if not may_report(access, project):
        raise NotAllowed(_("Only the responsible unit or the office may report on this project."))
