"""The units API: the unit tree (with aliases) for pickers and imports, and one unit."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from luoshi.lib.schemas import ErrorOut, UnitRef

from .models import Unit, UnitKind
from .queries import get_unit, units_in_order

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    name: str
    aliases: list[str]
    kind: str
    kind_label: str
    parent_id: int | None
    path: str
    depth: int
    order: int
    is_active: bool


class UnitNode(UnitOut):
    children: list[UnitNode]


class MemberOut(Schema):
    user_id: int
    username: str
    name: str
    role: str


class UnitDetail(UnitOut):
    parent: UnitRef | None
    children: list[UnitRef]
    members: list[MemberOut]


UnitError = ErrorOut  # the API's one error shape


def unit_out(unit: Unit) -> dict:
    return {
        "id": unit.pk,
        "name": unit.name,
        "aliases": list(unit.aliases or []),
        "kind": unit.kind,
        "kind_label": str(UnitKind(unit.kind).label),
        "parent_id": unit.parent_id,
        "path": unit.path,
        "depth": unit.path.count("/") - 2,
        "order": unit.order,
        "is_active": unit.is_active,
    }


def _units(active: bool) -> list[Unit]:
    return list(units_in_order(active=active))


@router.get("/", response={200: list[UnitOut], 401: UnitError}, url_name="unit_list")
def list_units(request: HttpRequest, active: bool = True):
    """Every unit as a flat list (parent_id, path, depth), the tree's order: one query."""
    units = _units(active)
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ids = {u.pk for u in units}
    roots = [u for u in units if u.parent_id not in ids]
    ordered: list[Unit] = []
    stack = list(reversed(roots))
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(children.get(unit.pk, [])))
    return [unit_out(u) for u in ordered]


@router.get("/tree", response={200: list[UnitNode], 401: UnitError}, url_name="unit_tree")
def unit_tree(request: HttpRequest, active: bool = True):
    """The same units nested: each node carries its children."""
    units = _units(active)
    nodes = {u.pk: {**unit_out(u), "children": []} for u in units}
    roots = []
    for unit in units:
        parent = nodes.get(unit.parent_id)
        (parent["children"] if parent else roots).append(nodes[unit.pk])
    return roots


@router.get(
    "/{int:pk}", response={200: UnitDetail, 401: UnitError, 404: UnitError}, url_name="unit"
)
def unit_detail(request: HttpRequest, pk: int):
    """One unit with its parent, children and the people holding roles in it."""
    unit = get_unit(pk)
    members = unit.memberships.select_related("user").order_by("role", "user__username")
    return {
        **unit_out(unit),
        "parent": {"id": unit.parent.pk, "name": unit.parent.name} if unit.parent else None,
        "children": [{"id": c.pk, "name": c.name} for c in unit.children.order_by("order", "id")],
        "members": [
            {
                "user_id": m.user_id,
                "username": m.user.username,
                "name": m.user.get_full_name() or m.user.username,
                "role": m.role,
            }
            for m in members
        ],
    }
