"""Pages of the ratings (五星支部, 三零): cycles, an assessment (self-assessment, review,
incident records), a unit's stars ladder, figures, branch activities, incidents.

Views translate HTTP to services: parse (forms), call, render.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.errors import DomainError, InvalidInput, NotAllowed, NotFound
from luoshi.lib.numbers import id_or_none
from luoshi.lib.storage import open_stored
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import queries, services
from .forms import (
    ActivityForm,
    CycleForm,
    IncidentForm,
    PublishForm,
    ReturnForm,
    ReviewForm,
    RulingForm,
    SelfAssessmentForm,
    VoidForm,
)
from .models import (
    Assessment,
    AssessmentCycle,
    AssessmentState,
    AssessmentTemplate,
    CycleState,
    EvidenceFile,
    FindingRuling,
    Incident,
)
from .permissions import available_actions
from .scoring import evaluate


def _attempt(request: HttpRequest, form, action: Callable, success: str) -> bool:
    """Run a service for a valid form; a refusal lands on its field (or the form).

    Not allowed (403) and not found (404) go to `domain_errors`: no form can mend them.
    """
    try:
        action()
    except (NotAllowed, NotFound):
        raise
    except DomainError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return False
    messages.success(request, success)
    return True


def _own_units(user) -> list[Unit] | None:
    """The units a user acts for; None for the office (any unit, picked by typing)."""
    access = access_for(user)
    if access.is_office:
        return None
    return list(Unit.objects.filter(pk__in=sorted(access.own_units), is_active=True))


# -- cycles ---------------------------------------------------------------------------------


@login_required
@domain_errors
def index(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    templates = list(AssessmentTemplate.objects.filter(is_active=True))
    form = CycleForm(request.POST or None, templates=templates) if access.is_office else None
    status = 200
    if request.method == "POST" and form is not None:
        status = 422
        if form.is_valid() and _attempt(
            request,
            form,
            lambda: services.open_cycle(actor=request.user, **form.cleaned_data),
            _("The cycle is open."),
        ):
            return redirect("assessments:index")
    visible = queries.visible_assessments(request.user).select_related("cycle", "unit")
    context = {
        "form": form,
        "can_see_figures": access.sees_everything,
        "cycles": AssessmentCycle.objects.select_related("template").order_by("-period_end")[:50],
        "mine": visible.filter(unit_id__in=sorted(access.own_units)).order_by("-cycle__period_end")[
            :20
        ],
        "to_review": visible.filter(
            reviewing_unit_id__in=sorted(access.own_units), state=AssessmentState.SUBMITTED
        )[:50],
    }
    return render(request, "assessments/index.html", context, status=status)


@login_required
@domain_errors
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(AssessmentCycle.objects.select_related("template"), pk=pk)
    rows = list(
        queries.visible_assessments(request.user)
        .filter(cycle=cycle)
        .select_related("unit", "reviewing_unit")
        .order_by("unit__path")
    )
    results = queries.results_for(rows, cycle) if rows else {}
    form = PublishForm(request.POST or None, initial={"version": cycle.version})
    publishing = request.method == "POST" and access_for(request.user).is_office
    if publishing and form.is_valid():

        def publish():
            services.publish_cycle(cycle, actor=request.user, version=form.cleaned_data["version"])

        if _attempt(request, form, publish, _("Published.")):
            return redirect("assessments:cycle", pk=pk)
    may_publish = access_for(request.user).is_office and cycle.state == CycleState.OPEN
    context = {
        "cycle": cycle,
        "rows": [(a, results[a.pk]) for a in rows],
        "form": form if may_publish else None,
        "goals": list(cycle.template.goals.all()),
    }
    return render(request, "assessments/cycle.html", context)


# -- an assessment --------------------------------------------------------------------------


class AssessmentPage:
    """What the assessment page shows to one user: scores by goal, records, what to do."""

    def __init__(self, request: HttpRequest, assessment: Assessment):
        self.request, self.assessment = request, assessment
        self.allowed = available_actions(access_for(request.user), assessment)
        self.scores = list(
            assessment.scores.select_related("criterion__goal").prefetch_related("files")
        )
        self.findings = list(assessment.findings.select_related("incident", "incident__unit"))
        cycle = assessment.cycle
        held = queries.held_activities([assessment.unit_id], cycle.period_start, cycle.period_end)
        period = (cycle.period_start, cycle.period_end)
        self.result = evaluate(
            self.scores, self.findings, held.get(assessment.unit_id, {}), *period
        )
        self.events = list(assessment.events.select_related("actor").order_by("at", "id"))

    def rows(self, forms: dict) -> list:
        """Goals with their criteria, each with its score row, records and form inputs."""
        by_criterion = {s.criterion_id: s for s in self.scores}
        findings: dict[int, list] = {}
        for finding in self.findings:
            findings.setdefault(finding.criterion_id, []).append(finding)
        own, review = forms.get("self_assess"), forms.get("review")
        return [
            (
                goal,
                [
                    {
                        "result": c,
                        "score": by_criterion[c.criterion.pk],
                        "findings": findings.get(c.criterion.pk, []),
                        "self_fields": own.fields_of(c.criterion.pk) if own else [],
                        "review_fields": review.fields_of(c.criterion.pk) if review else [],
                    }
                    for c in goal.criteria
                ],
            )
            for goal in self.result.goals
        ]

    def forms(self, bound: dict | None = None) -> dict:
        bound = bound or {}
        version = {"version": self.assessment.version}
        makers = {
            "self_assess": lambda: SelfAssessmentForm(initial=version, scores=self.scores),
            "review": lambda: ReviewForm(initial=version, scores=self.scores),
            "return": lambda: ReturnForm(initial=version, prefix="return"),
        }
        return {v: bound.get(v) or makers[v]() for v in self.allowed if v in makers}

    def render(self, bound: dict | None = None, status: int = 200) -> HttpResponse:
        forms = self.forms(bound)
        context = {
            "assessment": self.assessment,
            "page": self,
            "rows": self.rows(forms),
            "out_of": len(self.result.goals),
            "forms": forms,
            "can_rule": "rule_finding" in self.allowed,
            "rulings": FindingRuling,
        }
        return render(self.request, "assessments/assessment.html", context, status=status)


@login_required
@domain_errors
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return AssessmentPage(request, queries.get_assessment_for_user(request.user, pk)).render()


def _entries(form, kind):
    return [kind(**entry) for entry in form.entries()]


@require_POST
@login_required
@domain_errors
def assessment_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Self-assess (save or submit), review, return, or rule on an incident record."""
    assessment = queries.get_assessment_for_user(request.user, pk)
    page = AssessmentPage(request, assessment)
    actor = request.user
    forms = {
        "self_assess": lambda: SelfAssessmentForm(request.POST, request.FILES, scores=page.scores),
        "review": lambda: ReviewForm(request.POST, scores=page.scores),
        "return": lambda: ReturnForm(request.POST, prefix="return"),
        "rule_finding": lambda: RulingForm(request.POST),
    }
    if verb not in forms:
        raise Http404(verb)
    form = forms[verb]()
    if not form.is_valid():
        return page.render({verb: form}, status=422)
    d = form.cleaned_data
    calls = {
        "self_assess": lambda: services.self_assess(
            assessment,
            actor=actor,
            version=d["version"],
            entries=_entries(form, services.SelfEntry),
            submit="submit" in request.POST,
        ),
        "review": lambda: services.review_assessment(
            assessment,
            actor=actor,
            version=d["version"],
            entries=_entries(form, services.ReviewEntry),
            comment=d["comment"],
        ),
        "return": lambda: services.return_assessment(
            assessment, actor=actor, version=d["version"], reason=d["reason"]
        ),
        "rule_finding": lambda: services.rule_finding(
            assessment,
            d["finding"],
            actor=actor,
            version=d["version"],
            confirm=d["ruling"] == FindingRuling.CONFIRMED,
            reason=d["reason"],
        ),
    }
    if not _attempt(request, form, calls[verb], _("Done.")):
        if verb == "rule_finding":
            messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
            return redirect("assessments:detail", pk=pk)
        fresh = AssessmentPage(request, queries.get_assessment_for_user(request.user, pk))
        return fresh.render({verb: form}, status=422 if form.errors else 409)
    return redirect("assessments:detail", pk=pk)


@login_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """Serve an evidence file to a user who may see its assessment; 404 to anyone else."""
    item = get_object_or_404(EvidenceFile.objects.select_related("score"), pk=pk)
    visible = queries.visible_assessments(request.user).filter(pk=item.score.assessment_id)
    if not visible.exists():
        raise Http404(_("No such file."))
    return FileResponse(open_stored(item.file), as_attachment=True, filename=item.name)


# -- a unit's ladder and the figures --------------------------------------------------------


@login_required
def unit_ladder(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    if not queries.may_see_unit(request.user, unit):
        raise PermissionDenied(_("You may see only your own units' ratings."))
    current = queries.visible_assessments(request.user).filter(
        unit=unit, cycle__state=CycleState.OPEN
    )
    context = {
        "unit": unit,
        "ladder": queries.ladder(unit),
        "current": current.select_related("cycle"),
        "incidents": Incident.objects.filter(unit__path__startswith=unit.path)[:50],
    }
    return render(request, "assessments/ladder.html", context)


@login_required
@domain_errors
def figures(request: HttpRequest) -> HttpResponse:
    if not access_for(request.user).sees_everything:
        raise PermissionDenied(_("The ratings figures are for leaders and the office."))
    templates = list(AssessmentTemplate.objects.all())
    default = templates[0].pk if templates else 0
    template_id = id_or_none(request.GET.get("template")) or default
    cycles = list(queries.published_cycles(template_id))
    latest = cycles[-1] if cycles else None
    year = timezone.localdate().year
    context = {
        "templates": templates,
        "template_id": template_id,
        "cycles": cycles,
        "districts": queries.stars_by_district(cycles),
        "latest": latest,
        "lost": queries.stars_lost(latest) if latest else [],
        "breaches": queries.breaches(year),
        "year": year,
    }
    return render(request, "assessments/figures.html", context)


# -- records: branch activities and incidents -----------------------------------------------


@login_required
@domain_errors
def activities(request: HttpRequest) -> HttpResponse:
    own = _own_units(request.user)
    form = ActivityForm(request.POST or None, request.FILES or None, units=own)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            photos = data.pop("photos")
            if _attempt(
                request,
                form,
                lambda: services.record_activity(
                    services.ActivitySpec(**data), actor=request.user, photos=photos
                ),
                _("Activity recorded."),
            ):
                return redirect("assessments:activities")
    rows = queries.visible_activities(request.user).select_related("unit", "recorded_by")
    context = {"form": form if own != [] else None, "activities": rows[:200]}
    return render(request, "assessments/activities.html", context, status=status)


@login_required
@domain_errors
def incidents(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    units: list[Unit] | None = None  # the office: any unit, picked by typing
    if not access.is_office:
        units = list(Unit.objects.filter(pk__in=sorted(access.visible_units), is_active=True))
    form = IncidentForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and _attempt(
            request,
            form,
            lambda: services.record_incident(
                services.IncidentRecord(**form.cleaned_data), actor=request.user
            ),
            _("Incident recorded: it is attached to the open assessments it counts against."),
        ):
            return redirect("assessments:incidents")
    rows = queries.visible_incidents(request.user).select_related("unit", "recorded_by")
    context = {
        "form": form if units else None,
        "incidents": rows[:200],
        "can_void": access.is_office,
        "void_form": VoidForm(),
    }
    return render(request, "assessments/incidents.html", context, status=status)


@require_POST
@login_required
def void_incident(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(queries.visible_incidents(request.user), pk=pk)
    form = VoidForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Give the reason."), field="reason")
        services.void_incident(incident, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
    else:
        messages.success(request, _("Voided: it no longer counts."))
    return redirect("assessments:incidents")
