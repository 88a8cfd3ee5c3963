"""The office's settings pages: reply templates, and the dispatch model with its table."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.lib.numbers import id_or_none
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for
from luoshi.org.forms import picked_unit_in, picker_of

from ..dispatch.tasks import train_dispatch_model
from ..models import Category, DispatchModel, ReplyState, ReplyTemplate, RequestType
from ..permissions import require_office
from ..services.replies import PLACEHOLDERS, effective_template, save_template
from ._common import attempt


@login_required
@domain_errors
def reply_templates(request: HttpRequest) -> HttpResponse:
    """答复模板: the text of each moment, for any type or one type; the office edits them."""
    access = access_for(request.user)
    if not access.sees_everything:
        raise NotAllowed(_("Only the office may see the reply templates."))
    if request.method == "POST":
        post = request.POST
        attempt(
            request,
            lambda: save_template(
                actor=request.user,
                state=post.get("state", ""),
                request_type=post.get("request_type", ""),
                text=post.get("text", ""),
                version=id_or_none(post.get("version")),
            ),
            _("Template saved."),
        )
        return redirect("citizens:templates")
    active = {(t.state, t.request_type): t for t in ReplyTemplate.objects.filter(is_active=True)}
    rows = []
    for state in ReplyState:
        for kind in ["", *RequestType.values]:
            template = active.get((state.value, kind))
            if kind and template is None:
                continue
            rows.append(
                {
                    "state": state,
                    "kind": kind,
                    "kind_label": RequestType(kind).label if kind else _("any type"),
                    "template": template,
                    "text": template.text if template else effective_template(state, kind),
                }
            )
    context = {
        "rows": rows,
        "placeholders": PLACEHOLDERS,
        "states": ReplyState.choices,
        "types": RequestType.choices,
        "is_office": access.is_office,
    }
    return render(request, "citizens/templates.html", context)


@login_required
@domain_errors
def dispatch_model(request: HttpRequest) -> HttpResponse:
    """派单模型: the trained models, the category → unit table (cold start and fallback)."""
    access = access_for(request.user)
    if not access.sees_everything:
        raise NotAllowed(_("Only the office may see the dispatch model."))
    if request.method == "POST":
        require_office(access, _("change the dispatch table"))
        _post_table(request)
        return redirect("citizens:dispatch")
    context = {
        "models": DispatchModel.objects.select_related("trained_by")[:10],
        "categories": _with_pickers(Category.objects.select_related("default_unit"), access),
        "is_office": access.is_office,
    }
    return render(request, "citizens/dispatch.html", context)


def _with_pickers(categories, access) -> list[Category]:
    """Each category with its default unit's picker (found as one types: no <select> of
    every unit per row)."""
    rows = list(categories)
    for category in rows:
        attrs = {"id": f"u-{category.pk}"} | ({} if access.is_office else {"disabled": True})
        category.unit_picker = picker_of("unit", category.default_unit, **attrs)
    return rows


def _post_table(request: HttpRequest) -> None:
    post = request.POST
    if post.get("form") == "train":
        attempt(request, train_dispatch_model.enqueue, _("Training queued."))
        return
    pk = post.get("category") or ""
    category = Category.objects.filter(pk=id_or_none(pk) or 0).first()
    if category is None:
        return

    @transaction.atomic
    def change() -> None:
        category.default_unit = picked_unit_in(post, "unit")
        category.keywords = (post.get("keywords") or "")[:500]
        category.save(update_fields=["default_unit", "keywords"])

    attempt(request, change, _("The table is saved."))
