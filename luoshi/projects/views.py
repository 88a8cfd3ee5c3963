"""Pages of key projects: the list, a project, figures by district or unit, Excel in and out."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.errors import DomainError
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for
from luoshi.org.models import Unit, UnitKind

from . import excel, queries, services
from .models import (
    WARNING_COLOURS,
    ProjectKind,
    ProjectLevel,
    ProjectPolicy,
    ProjectStatus,
    ProjectWarning,
    Stage,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choices_context() -> dict:
    units = list(Unit.objects.filter(is_active=True).order_by("path"))
    return {
        "districts": [u for u in units if u.kind == UnitKind.DISTRICT],
        "units": units,
        "kinds": ProjectKind.choices,
        "levels": ProjectLevel.choices,
        "stages": Stage.choices,
        "statuses": ProjectStatus.choices,
    }


def _badges(project, tolerance: int) -> list[dict]:
    return [
        {"label": ProjectWarning(w).label, "colour": WARNING_COLOURS[ProjectWarning(w)]}
        for w in queries.warnings_of(project, tolerance)
    ]


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    pfilter = queries.ProjectFilter.from_params(request.GET)
    today, policy = timezone.localdate(), ProjectPolicy.current()
    visible = pfilter.apply(queries.visible_projects(request.user))
    rows = queries.with_warnings(visible, today).select_related("responsible_unit", "district")
    page = Paginator(rows.order_by("code"), PAGE_SIZE).get_page(request.GET.get("page"))
    for project in page:
        project.badges = _badges(project, policy.investment_tolerance_percent)
    context = {
        "filter": pfilter,
        "page_obj": page,
        "figures": queries.figures(
            visible, as_of=today, count_in_approvals=policy.count_in_approvals
        ),
        "params": urlencode(pfilter.as_params()),
        "is_office": _is_office(request.user),
        **_choices_context(),
    }
    return render(request, "projects/project_list.html", context)


def _is_office(user) -> bool:
    access = access_for(user)
    return access.is_office


def _may_report(user, project) -> bool:
    return _is_office(user) or access_for(user).acts_for(project.responsible_unit_id)


@login_required
@domain_errors
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.get_project_for_user(request.user, pk)
    today = timezone.localdate()
    year = int(request.GET.get("year") or today.year)
    stages = list(project.stages.all())
    months = queries.months_of(project, year)
    annotated = queries.with_warnings(queries.visible_projects(request.user), today).get(pk=pk)
    tolerance = ProjectPolicy.current().investment_tolerance_percent
    context = {
        "project": project,
        "stages": [{"row": s, "late": s.is_late(today)} for s in stages],
        "next_stage": _next_stage(project),
        "months": months,
        "chart": _chart(months),
        "year": year,
        "badges": _badges(annotated, tolerance),
        "matters": list(queries.linked_matters(project, request.user)),
        "events": list(project.events.select_related("actor").order_by("-at", "-id")[:50]),
        "may_report": _may_report(request.user, project),
        "is_office": _is_office(request.user),
        "today": today,
        "units": list(Unit.objects.filter(is_active=True).order_by("path")),
    }
    return render(request, "projects/project_detail.html", context)


def _next_stage(project) -> Stage | None:
    order = list(Stage)
    return order[project.stage_index] if project.stage_index < len(order) else None


def _chart(months: list[dict]) -> dict:
    """What the investment chart draws: monthly plan and completion, cumulative lines."""
    peak = max([m["planned"] for m in months] + [m["completed"] for m in months] + [1])
    return {
        "months": [f"{m['month']}月" for m in months],
        "planned": [float(m["planned"]) for m in months],
        "completed": [float(m["completed"]) for m in months],
        "plan_to_date": [float(m["plan_to_date"]) for m in months],
        "done_to_date": [float(m["done_to_date"]) for m in months],
        "peak": float(peak),
    }


def _act(request: HttpRequest, pk: int, action) -> HttpResponse:
    """Run a service for a form post; a refusal is shown and changes nothing."""
    project = queries.get_project_for_user(request.user, pk)
    try:
        action(project, int(request.POST.get("version") or project.version))
    except DomainError as error:
        messages.error(request, error.message)
    except ValueError:
        messages.error(request, _("Enter numbers and dates in the form's format."))
    else:
        messages.success(request, _("Saved."))
    return redirect("projects:detail", pk=pk)


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@login_required
@require_POST
@domain_errors
def record_stage(request: HttpRequest, pk: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        pk,
        lambda p, v: services.record_stage(
            p,
            post.get("stage", ""),
            actor=request.user,
            version=v,
            actual_date=_day(post.get("actual_date")),
            evidence=post.get("evidence", ""),
        ),
    )


@login_required
@require_POST
@domain_errors
def report_month(request: HttpRequest, pk: int) -> HttpResponse:
    post = request.POST
    return _act(
        request,
        pk,
        lambda p, v: services.report_month(
            p,
            year=int(post.get("year") or 0),
            month=int(post.get("month") or 0),
            completed=post.get("completed"),
            funds_in_place=post.get("funds_in_place"),
            effect=post.get("effect") or 0,
            actor=request.user,
            version=v,
        ),
    )


@login_required
@require_POST
@domain_errors
def raise_problem(request: HttpRequest, pk: int) -> HttpResponse:
    post = request.POST
    unit = Unit.objects.filter(pk=post.get("lead_unit") or 0).first()

    def action(project, _version):
        if unit is None:
            raise services.InvalidInput(_("Choose the lead unit."), field="lead_unit")
        services.raise_problem(
            project,
            actor=request.user,
            title=post.get("title", ""),
            content=post.get("content", ""),
            lead_unit=unit,
            deadline=_day(post.get("deadline")),
        )

    return _act(request, pk, action)


def _group_choices() -> list[tuple[str, str]]:
    return [
        ("district", _("By district")),
        ("unit", _("By responsible unit")),
        ("kind", _("By kind")),
        ("level", _("By level")),
    ]


@login_required
def project_figures(request: HttpRequest) -> HttpResponse:
    """Figures per district, unit, kind or level for the filtered projects."""
    by = request.GET.get("by") if request.GET.get("by") in queries.GROUPS else "district"
    pfilter = queries.ProjectFilter.from_params(request.GET)
    today = _as_of(request)
    visible = pfilter.apply(queries.visible_projects(request.user))
    counted = ProjectPolicy.current().count_in_approvals
    groups = queries.figures(visible, as_of=today, by=by, count_in_approvals=counted)
    names = _group_names(by, groups)
    rows = sorted(
        ({"name": names.get(k, k), "fig": f} for k, f in groups.items()),
        key=lambda r: str(r["name"]),
    )
    context = {
        "by": by,
        "group_choices": _group_choices(),
        "group_label": dict(_group_choices())[by],
        "rows": rows,
        "total": queries.figures(visible, as_of=today, count_in_approvals=counted),
        "filter": pfilter,
        "today": today,
        **_choices_context(),
    }
    return render(request, "projects/project_figures.html", context)


def _as_of(request: HttpRequest) -> dt.date:
    """The day the figures are taken on: ?as_of=2026-06-30, else today."""
    try:
        return _day(request.GET.get("as_of")) or timezone.localdate()
    except ValueError:
        messages.error(request, _("Enter the date as 2026-06-30."))
        return timezone.localdate()


def _group_names(by: str, groups: dict) -> dict:
    if by in ("district", "unit"):
        return queries.unit_names(groups)
    choices = ProjectKind if by == "kind" else ProjectLevel
    return {k: choices(k).label for k in groups}


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The project ledger as Excel, for the same filter as the list."""
    pfilter = queries.ProjectFilter.from_params(request.GET)
    visible = pfilter.apply(queries.visible_projects(request.user))
    today = timezone.localdate()
    tolerance = ProjectPolicy.current().investment_tolerance_percent
    response = HttpResponse(excel.export_ledger(visible, today, tolerance), content_type=XLSX)
    name = f"重点项目台账-{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
def project_import(request: HttpRequest) -> HttpResponse:
    """Upload the key project list (.xlsx): all rows or none."""
    if not _is_office(request.user):
        raise PermissionDenied(_("Only the office's supervisors may import projects."))
    if request.method == "POST":
        try:
            upload = request.FILES.get("file")
            if upload is None:
                raise services.InvalidInput(_("Choose a file."), field="file")
            result = excel.import_projects(upload, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return render(request, "projects/project_import.html", status=422)
        messages.success(
            request,
            _("%(new)s project(s) added, %(old)s updated.")
            % {"new": len(result.created), "old": len(result.updated)},
        )
        return redirect("projects:list")
    return render(request, "projects/project_import.html")


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(excel.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=projects-template.xlsx"
    return response
