"""Pages of key projects: the list, a project, figures by district or unit, Excel in and out.

Views translate HTTP to services: forms (forms.py) parse, services decide, and a
refusal is shown on the page with its status (422 bad input, 409 stale or illegal).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from luoshi.lib.errors import DomainError, InvalidInput, NotAllowed
from luoshi.lib.forms import run_form
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for
from luoshi.org.models import Unit, UnitKind
from luoshi.org.queries import picked_unit

from . import excel, queries, services
from .filters import ProjectFilter
from .forms import AsOfForm, ImportForm, MonthForm, ProblemForm, StageForm
from .models import (
    WARNING_COLOURS,
    Project,
    ProjectKind,
    ProjectLevel,
    ProjectPolicy,
    ProjectStatus,
    ProjectWarning,
    Stage,
)
from .permissions import may_manage, may_report

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _districts() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True, kind=UnitKind.DISTRICT).order_by("path"))


def _filter_choices(districts: list[Unit]) -> dict:
    return {
        "districts": districts,
        "kinds": ProjectKind.choices,
        "levels": ProjectLevel.choices,
        "stages": Stage.choices,
        "statuses": ProjectStatus.choices,
    }


def _badges(project: Project, tolerance: int) -> list[dict]:
    return [
        {"label": ProjectWarning(w).label, "colour": WARNING_COLOURS[ProjectWarning(w)]}
        for w in queries.warnings_of(project, tolerance)
    ]


def _filtered(request: HttpRequest) -> tuple[ProjectFilter, QuerySet[Project]]:
    pfilter = ProjectFilter.from_params(request.GET)
    return pfilter, pfilter.apply(queries.visible_projects(request.user))


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    pfilter, visible = _filtered(request)
    today, policy = timezone.localdate(), ProjectPolicy.current()
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
        "is_office": may_manage(access_for(request.user)),
        # the unit filter searches as the user types (org:search): only the chosen unit
        "unit_chosen": picked_unit(pfilter.unit, pfilter.errors, label=_("Responsible unit")),
        **_filter_choices(_districts()),
    }
    return render(request, "projects/project_list.html", context)


def _detail_page(
    request: HttpRequest, pk: int, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    """The project page; `bound` holds a refused form to show again with its errors."""
    project = queries.get_project_for_user(request.user, pk)
    today, access = timezone.localdate(), access_for(request.user)
    year = _year(request, today)
    months = queries.months_of(project, year)
    annotated = queries.with_warnings(queries.visible_projects(request.user), today).get(pk=pk)
    initial = {"version": project.version}
    next_stage = _next_stage(project)
    forms = {
        "stage": StageForm(initial={**initial, "stage": next_stage and next_stage.value}),
        "month": MonthForm(initial={**initial, "year": year}, effect=bool(project.effect_metric)),
        "problem": ProblemForm(),
        **(bound or {}),
    }
    context = {
        "project": project,
        "stages": queries.stage_views(project.stages.all(), today),
        "next_stage": next_stage,
        "months": months,
        "chart": _chart(months),
        "year": year,
        "badges": _badges(annotated, ProjectPolicy.current().investment_tolerance_percent),
        "matters": list(queries.linked_matters(project, request.user)),
        "events": list(project.events.select_related("actor").order_by("-at", "-id")[:50]),
        "may_report": may_report(access, project),
        "is_office": may_manage(access),
        "today": today,
        "forms": forms,
    }
    return render(request, "projects/project_detail.html", context, status=status)


def _year(request: HttpRequest, today: dt.date) -> int:
    raw = request.GET.get("year") or ""
    valid = raw.isdecimal() and len(raw) == 4 and 1900 <= int(raw) <= 2200
    return int(raw) if valid else today.year


@login_required
@domain_errors
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _next_stage(project: Project) -> Stage | None:
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


def _submit(request: HttpRequest, pk: int, name: str, form, action) -> HttpResponse:
    """Run one form of the project page through its service; a refusal shows the page."""
    status = run_form(request, form, action)
    if status == 200:
        messages.success(request, _("Saved."))
        return redirect("projects:detail", pk=pk)
    return _detail_page(request, pk, {name: form} if status == 422 else None, status)


@login_required
@require_POST
@domain_errors
def record_stage(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.get_project_for_user(request.user, pk)
    return _submit(
        request,
        pk,
        "stage",
        StageForm(request.POST),
        lambda d: services.record_stage(
            project,
            d["stage"],
            actor=request.user,
            version=d["version"],
            actual_date=d["actual_date"],
            evidence=d["evidence"],
        ),
    )


@login_required
@require_POST
@domain_errors
def report_month(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.get_project_for_user(request.user, pk)
    return _submit(
        request,
        pk,
        "month",
        MonthForm(request.POST, effect=bool(project.effect_metric)),
        lambda d: services.report_month(
            project,
            year=d["year"],
            month=d["month"],
            completed=d["completed"],
            funds_in_place=d["funds_in_place"],
            effect=d.get("effect") or 0,
            actor=request.user,
            version=d["version"],
        ),
    )


@login_required
@require_POST
@domain_errors
def raise_problem(request: HttpRequest, pk: int) -> HttpResponse:
    project = queries.get_project_for_user(request.user, pk)
    return _submit(
        request,
        pk,
        "problem",
        ProblemForm(request.POST),
        lambda d: services.raise_problem(
            project,
            actor=request.user,
            title=d["title"],
            lead_unit=d["lead_unit"],
            deadline=d["deadline"],
        ),
    )


GROUP_CHOICES = [
    ("district", gettext_lazy("By district")),
    ("unit", gettext_lazy("By responsible unit")),
    ("kind", gettext_lazy("By kind")),
    ("level", gettext_lazy("By level")),
]


@login_required
def project_figures(request: HttpRequest) -> HttpResponse:
    """Figures per district, unit, kind or level for the filtered projects."""
    by = request.GET.get("by") if request.GET.get("by") in queries.GROUPS else "district"
    pfilter, visible = _filtered(request)
    as_of = AsOfForm(request.GET)
    today = (as_of.is_valid() and as_of.cleaned_data["as_of"]) or timezone.localdate()
    counted = ProjectPolicy.current().count_in_approvals
    groups = queries.figures(visible, as_of=today, by=by, count_in_approvals=counted)
    names = queries.group_names(by, groups)
    rows = sorted(
        ({"name": names.get(k, k), "fig": f} for k, f in groups.items()),
        key=lambda r: str(r["name"]),
    )
    choices = [(key, str(label)) for key, label in GROUP_CHOICES]
    kept = pfilter.as_params()
    if as_of.is_valid() and as_of.cleaned_data["as_of"]:
        kept["as_of"] = f"{today:%Y-%m-%d}"
    context = {
        "by": by,
        "group_choices": choices,
        "group_label": dict(choices)[by],
        "rows": rows,
        "total": queries.figures(visible, as_of=today, count_in_approvals=counted),
        "filter": pfilter,
        "params": urlencode(kept),  # the group-by links keep the filters and the day
        "as_of_form": as_of,
        "today": today,
        # the districts only: the page lists no unit (it read all 30k of a province)
        **_filter_choices(_districts()),
    }
    return render(request, "projects/project_figures.html", context)


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The project ledger as Excel, for the same filter as the list."""
    _pfilter, visible = _filtered(request)
    today = timezone.localdate()
    tolerance = ProjectPolicy.current().investment_tolerance_percent
    response = HttpResponse(excel.export_ledger(visible, today, tolerance), content_type=XLSX)
    name = f"重点项目台账-{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@domain_errors
def project_import(request: HttpRequest) -> HttpResponse:
    """Upload the key project list (.xlsx): all rows or none."""
    if not may_manage(access_for(request.user)):
        raise NotAllowed(_("Only the office's supervisors may import projects."))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return render(request, "projects/project_import.html", {"form": form})
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose a file."), field="file")
        result = excel.import_projects(form.cleaned_data["file"], actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return render(request, "projects/project_import.html", {"form": form}, status=422)
    messages.success(
        request,
        _("%(new)s project(s) added, %(old)s updated.")
        % {"new": len(result.created), "old": len(result.updated)},
    )
    return redirect("projects:list")


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(excel.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=projects-template.xlsx"
    return response
