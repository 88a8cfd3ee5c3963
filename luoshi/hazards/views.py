"""Pages of the hazard register: the register (list), a hazard, registering and editing,
the ledger export, figures, campaigns and their Excel intake, site photos.

Views translate HTTP to services: parse (forms), call, render. The hazard page offers
only the actions permissions.available_actions gives this user now.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.lib.storage import open_stored
from luoshi.lib.web import domain_errors
from luoshi.matters.services import MilestoneSpec
from luoshi.matters.views._common import is_htmx, leaders, render_page
from luoshi.org.access import access_for
from luoshi.org.models import Unit
from luoshi.org.queries import picked_unit

from . import intake, ledger, queries, services
from .filters import HazardFilter
from .forms import (
    ACTION_FORMS,
    FORM_NEEDS,
    CampaignForm,
    EditForm,
    HazardForm,
    ImportForm,
)
from .models import (
    Discovery,
    Hazard,
    HazardCategory,
    HazardLevel,
    HazardStatus,
    HazardWarning,
    InspectionCampaign,
    Photo,
)
from .permissions import ACTION_LABELS, available_actions

PAGE_SIZE = 25


def _categories() -> list[HazardCategory]:
    return list(HazardCategory.objects.filter(is_active=True))


def _own_units(user: User) -> list[Unit] | None:
    """The units a user may register findings for: their own, or None for the office,
    which may name any unit (picked by typing: a province has too many to list)."""
    access = access_for(user)
    if access.is_office:
        return None
    return list(Unit.objects.filter(pk__in=sorted(access.own_units), is_active=True))


# -- the register ---------------------------------------------------------------------------


@login_required
def hazard_list(request: HttpRequest) -> HttpResponse:
    hfilter = HazardFilter.from_params(request.GET)
    visible = queries.visible_hazards(request.user)
    rows = hfilter.apply(visible).select_related(*queries.LIST_RELATED)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = urlencode(hfilter.as_params())
    counts = queries.figures(hfilter.apply(visible, ordered=False), by="level")
    context = {
        "filter": hfilter,
        "page_obj": page,
        "params": params,
        "totals": queries.total_of(counts),
        "ledger_url": f"{reverse('hazards:ledger')}?{params}",
        # the unit filters search as the user types (org:search): only the chosen units
        "unit_chosen": picked_unit(hfilter.unit, hfilter.errors, label=_("Responsible unit")),
        "place_chosen": picked_unit(
            hfilter.place, hfilter.errors, field="place", label=_("Place (and below)")
        ),
        "categories": _categories(),
        "levels": HazardLevel.choices,
        "statuses": [("open", _("Open")), *HazardStatus.choices],
        "warnings": HazardWarning.choices,
        "can_register": _own_units(request.user) != [],
    }
    return render_page(
        request, "hazards/hazard_list.html", "hazards/partials/list_body.html", context
    )


@login_required
def hazard_ledger(request: HttpRequest) -> HttpResponse:
    """The register as filtered, as the office's Excel ledger (隐患台账)."""
    hfilter = HazardFilter.from_params(request.GET)
    rows = hfilter.apply(queries.visible_hazards(request.user))
    response = HttpResponse(
        ledger.build_ledger(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="hazard-ledger-{day}.xlsx"'
    return response


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by") if request.GET.get("by") in queries.GROUPS else "level"
    hfilter = HazardFilter.from_params(request.GET)
    rows = queries.figures(hfilter.apply(queries.visible_hazards(request.user)), by=by)
    context = {"rows": rows, "total": queries.total_of(rows), "by": by, "filter": hfilter}
    return render(request, "hazards/figures.html", context)


# -- registering and editing ----------------------------------------------------------------


def _spec(data: dict) -> services.HazardSpec:
    fields = services.HazardSpec.__dataclass_fields__
    return services.HazardSpec(**{name: data.get(name) for name in fields})


@login_required
def register(request: HttpRequest) -> HttpResponse:
    own = _own_units(request.user)
    if own == []:
        raise PermissionDenied(_("Only a unit or the office registers hazards."))
    choices = {"own_units": own, "categories": _categories()}
    form = HazardForm(request.POST or None, request.FILES or None, **choices)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                hazard = services.register_hazard(
                    _spec(data), actor=request.user, photos=data["photos"]
                )
            except (InvalidInput, NotAllowed) as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("%(serial)s registered.") % {"serial": hazard.serial})
                return redirect("hazards:detail", pk=hazard.pk)
    return render(request, "hazards/register.html", {"form": form}, status=status)


EDITED = (
    "title",
    "level",
    "category",
    "address",
    "description",
    "measures",
    "responsible_unit",
    "verifying_unit",
)


@login_required
@domain_errors
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = queries.get_hazard_for_user(request.user, pk)
    if "update" not in available_actions(access_for(request.user), hazard):
        raise PermissionDenied(_("You may not edit this hazard now."))
    initial = {name: getattr(hazard, name) for name in EDITED}
    initial.update(
        version=hazard.version,
        category=hazard.category_id,
        responsible_unit=hazard.responsible_unit_id,
        verifying_unit=hazard.verifying_unit_id,
    )
    choices = {"categories": _categories()}
    form = EditForm(request.POST or None, initial=initial, **choices)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            changes = {n: data[n] for n in EDITED if data[n] != getattr(hazard, n)}
            try:
                services.update_hazard(
                    hazard, actor=request.user, version=data["version"], **changes
                )
            except (InvalidInput, StaleVersion, IllegalTransition) as error:
                field = getattr(error, "field", None)
                form.add_error(field if field in form.fields else None, error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("hazards:detail", pk=hazard.pk)
    return render(request, "hazards/edit.html", {"form": form, "hazard": hazard}, status=status)


# -- a hazard and its actions ---------------------------------------------------------------


class HazardPage:
    """What the hazard page shows to one user."""

    def __init__(self, request: HttpRequest, hazard: Hazard):
        self.request, self.hazard = request, hazard
        self.access = access_for(request.user)
        self.allowed = available_actions(self.access, hazard)
        self.events = list(queries.timeline(hazard))
        self.photos = list(hazard.photos.all())
        self.verifications = list(hazard.verifications.select_related("unit", "checked_by"))
        self.reinspections = list(hazard.reinspections.select_related("unit", "checked_by"))
        self.relapses = list(hazard.relapses.all())
        self.milestones = list(hazard.matter.milestones.all()) if hazard.matter_id else []

    def photos_of(self, **link) -> list[Photo]:
        key, value = next(iter(link.items()))
        return [p for p in self.photos if getattr(p, f"{key}_id") == value]

    @property
    def site_photos(self) -> list[Photo]:
        return [p for p in self.photos if not p.verification_id and not p.reinspection_id]

    def form(self, verb: str, data=None, files=None):
        needs = {"leaders": leaders}
        kwargs = {name: needs[name]() for name in FORM_NEEDS.get(verb, ())}
        initial = {"version": self.hazard.version}
        form = ACTION_FORMS[verb](data, files, initial=initial, prefix=verb, **kwargs)
        form.verb, form.label = verb, ACTION_LABELS[verb]
        return form

    def render(self, bound=None, status: int = 200) -> HttpResponse:
        bound = bound or {}
        for verification in self.verifications:
            verification.shots = self.photos_of(verification=verification.pk)
        for check in self.reinspections:
            check.shots = self.photos_of(reinspection=check.pk)
        context = {
            "hazard": self.hazard,
            "page": self,
            "action_forms": [
                bound.get(v) or self.form(v) for v in self.allowed if v in ACTION_FORMS
            ],
            "can_edit": "update" in self.allowed,
            "open_action": next(iter(bound), None),
        }
        return render_page(
            self.request,
            "hazards/hazard_detail.html",
            "hazards/partials/hazard_body.html",
            context,
            status,
        )


@login_required
@domain_errors
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HazardPage(request, queries.get_hazard_for_user(request.user, pk)).render()


def _run(verb: str, hazard: Hazard, user: User, d: dict):
    v = {"actor": user, "version": d["version"]}
    calls = {
        "assign": lambda: services.assign_rectification(
            hazard,
            **v,
            deadline=d["deadline"],
            leader=d["leader"],
            verifying_unit=d["verifying_unit"],
            milestones=[MilestoneSpec(title=t, deadline=day) for t, day in d["milestones"]],
        ),
        "verify": lambda: services.verify_hazard(
            hazard,
            **v,
            passed=d["passed"],
            record_text=d["record"],
            checked_on=d["checked_on"],
            photos=d["photos"],
        ),
        "reinspect": lambda: services.reinspect_hazard(
            hazard,
            **v,
            record_text=d["record"],
            checked_on=d["checked_on"],
            relapsed=d["relapsed"],
            photos=d["photos"],
        ),
        "withdraw": lambda: services.withdraw_hazard(hazard, **v, reason=d["reason"]),
    }
    return calls[verb]()


@require_POST
@login_required
@domain_errors
def hazard_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One action from the hazard page: validate, call the service, show the result."""
    if verb not in ACTION_FORMS:
        raise Http404(verb)
    hazard = queries.get_hazard_for_user(request.user, pk)
    page = HazardPage(request, hazard)
    form = page.form(verb, request.POST, request.FILES)
    if not form.is_valid():
        return page.render({verb: form}, status=422)
    try:
        _run(verb, hazard, request.user, form.cleaned_data)
    except (StaleVersion, IllegalTransition) as error:
        messages.error(request, error.message)
        fresh = HazardPage(request, queries.get_hazard_for_user(request.user, pk))
        return fresh.render(status=409)
    except InvalidInput as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return page.render({verb: form}, status=422)
    messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[verb]})
    if not is_htmx(request):
        return redirect("hazards:detail", pk=pk)
    return HazardPage(request, queries.get_hazard_for_user(request.user, pk)).render()


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a site photo to a user who may see its hazard; 404 to anyone else."""
    shot = get_object_or_404(Photo, pk=pk)
    if not queries.visible_hazards(request.user).filter(pk=shot.hazard_id).exists():
        raise Http404(_("No such photo."))
    return FileResponse(open_stored(shot.file), filename=shot.name)


# -- campaigns and the Excel intake ---------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    own = _own_units(request.user)
    form = CampaignForm(request.POST or None, units=own)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                campaign = services.start_campaign(actor=request.user, **form.cleaned_data)
            except (InvalidInput, NotAllowed) as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("hazards:campaign", pk=campaign.pk)
    campaigns = InspectionCampaign.objects.select_related("organiser").order_by("-started_on")
    if not access_for(request.user).sees_everything:
        campaigns = campaigns.filter(organiser__in=own)
    context = {"campaigns": campaigns[:200], "form": form if own else None}
    return render(request, "hazards/campaign_list.html", context, status=status)


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(InspectionCampaign.objects.select_related("organiser"), pk=pk)
    access = access_for(request.user)
    may_import = access.is_office or access.acts_for(campaign.organiser_id)
    if not (may_import or access.sees_everything):
        raise Http404(_("No such campaign."))
    form = ImportForm(request.POST or None, request.FILES or None, categories=_categories())
    result, status = None, 200
    if request.method == "POST" and may_import:
        status = 422
        if form.is_valid():
            try:
                result = intake.import_file(
                    campaign,
                    form.cleaned_data["file"].read(),
                    actor=request.user,
                    default_category=form.cleaned_data["default_category"],
                )
            except (InvalidInput, NotAllowed) as error:
                form.add_error("file" if error.field in (None, "file") else None, error.message)
            else:
                status = 200 if result.is_valid else 422
    hazards = queries.visible_hazards(request.user).filter(campaign=campaign)
    context = {
        "campaign": campaign,
        "form": form if may_import else None,
        "result": result,
        "hazards": hazards.select_related(*queries.LIST_RELATED).order_by("serial_no")[:500],
        "discoveries": Discovery.choices,
    }
    return render(request, "hazards/campaign_detail.html", context, status=status)
