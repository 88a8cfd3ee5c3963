"""Forms of the matter pages: they parse and check the shape of input; the services decide.

Every action form carries the matter's `version` (the services refuse a stale one).
Leader and template choices come from lists the view loads once per request, so a page
with several forms still runs one query for them; units are picked by typing
(org.forms.UnitField), never listed — a province has tens of thousands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.org.forms import UnitField, UnitsField

from .models import (
    DisputeRuling,
    MatterKind,
    Priority,
    ReportCycle,
    ReturnReason,
    ReviewOutcome,
    Source,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their types and sizes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ObjectChoiceField(forms.TypedChoiceField):
    """A select over objects loaded by the view (units, leaders); cleans to the object."""

    def __init__(self, objects: Sequence = (), *args, **kwargs):
        self.objects = {str(o.pk): o for o in objects}
        kwargs.setdefault("required", False)
        super().__init__(*args, choices=self._choices_for(objects), **kwargs)

    @staticmethod
    def _choices_for(objects) -> list:
        return [("", "—")] + [(str(o.pk), _label(o)) for o in objects]

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(str(value)) if value not in (None, "") else None


def _label(obj) -> str:
    if hasattr(obj, "get_full_name"):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VersionedForm(forms.Form):
    """Base of every action form: the matter version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class RegisterForm(forms.Form):
    """立项: the fields of services.MatterSpec; milestones as lines "title | date"."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=Source.choices)
    # A hazard rectification is registered from its hazard (hazards.services), which
    # alone can verify and close it: the office does not start one here.
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[c for c in MatterKind.choices if c[0] != MatterKind.HAZARD],
        initial=MatterKind.TASK,
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    content = forms.CharField(label=gettext_lazy("Content"), widget=forms.Textarea, required=False)
    deadline = forms.DateField(label=gettext_lazy("Deadline"), required=False, widget=DateInput())
    deadline_workdays = forms.IntegerField(
        label=gettext_lazy("Or: working days after assignment"), required=False, min_value=1
    )
    report_cycle = forms.ChoiceField(
        label=gettext_lazy("Report cycle"), choices=ReportCycle.choices, initial=ReportCycle.MONTHLY
    )
    milestones = forms.CharField(
        label=gettext_lazy("Milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: title | 2026-06-30"),
    )

    lead_unit = UnitField(label=gettext_lazy("Lead unit"))
    co_units = UnitsField(label=gettext_lazy("Co-units"))

    def __init__(self, *args, leaders=(), templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_leader"] = ObjectChoiceField(
            leaders, label=_("Responsible leader")
        )
        self.fields["milestone_template"] = ObjectChoiceField(
            templates, label=_("Milestone template")
        )

    def clean_milestones(self) -> list[tuple[str, dt.date | None]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            title, _sep, day = (part.strip() for part in line.partition("|"))
            if not day:
                raise ValidationError(_("Line %(n)s: give a date after “|”.") % {"n": number})
            try:
                rows.append((title, parse_date(day, field="milestones")))
            except InvalidInput as error:
                raise ValidationError(
                    _("Line %(n)s: %(problem)s") % {"n": number, "problem": error.message}
                ) from error
        return rows


class ChildForm(forms.Form):
    """One sub-matter in a decomposition; blank rows are skipped."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300, required=False)
    deadline = forms.DateField(label=gettext_lazy("Deadline"), required=False, widget=DateInput())
    # The child's share in the parent's progress; empty means 1 (children count equally).
    weight = forms.DecimalField(
        label=gettext_lazy("Weight"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(10000),
        decimal_places=2,
        help_text=gettext_lazy("Share in the parent's progress; empty: all count equally."),
    )
    lead_unit = UnitField(label=gettext_lazy("Lead unit"), help_text="")


class BaseChildFormSet(forms.BaseFormSet):
    def clean(self):
        filled = [f for f in self.forms if f.cleaned_data.get("title")]
        if not filled and not any(f.errors for f in self.forms):
            raise ValidationError(_("Give at least one sub-matter with a title."))


ChildFormSet = forms.formset_factory(ChildForm, formset=BaseChildFormSet, extra=5, max_num=50)


class DecomposeForm(VersionedForm):
    pass


# ---- Actions on the matter page (one per verb of permissions.ACTION_LABELS) ----


class AssignForm(VersionedForm):
    deadline = forms.DateField(
        label=gettext_lazy("Deadline (leave empty to keep)"), required=False, widget=DateInput()
    )


class SubmitForm(VersionedForm):
    pass


class ApproveDispatchForm(VersionedForm):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve for dispatch")), ("0", gettext_lazy("Send back"))],
        coerce=lambda v: v == "1",
    )
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, widget=forms.Textarea)


class WithdrawForm(VersionedForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea, required=False)


class AcceptForm(VersionedForm):
    pass


class DisputeForm(VersionedForm):
    reason_code = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=[("", "—"), *ReturnReason.choices], required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Explanation"), widget=forms.Textarea, required=False
    )
    suggested_unit = UnitField(label=gettext_lazy("Suggested unit"))


class RuleDisputeForm(VersionedForm):
    ruling = forms.ChoiceField(label=gettext_lazy("Ruling"), choices=DisputeRuling.choices)
    comment = forms.CharField(label=gettext_lazy("Comment"), widget=forms.Textarea, required=False)

    new_unit = UnitField(label=gettext_lazy("Reassign to"))

    def __init__(self, *args, disputes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispute"] = forms.TypedChoiceField(
            label=_("Dispute"),
            coerce=int,
            choices=[(d.pk, f"{d.unit} · {d.get_reason_code_display()}") for d in disputes],
        )
        self.order_fields(["version", "dispute", "ruling", "new_unit", "comment"])


class ReportForm(VersionedForm):
    text = forms.CharField(label=gettext_lazy("What was done"), widget=forms.Textarea)
    percent = forms.IntegerField(label=gettext_lazy("Progress %"), min_value=0, max_value=100)
    problems = forms.CharField(
        label=gettext_lazy("Problems met"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"))


class CompletePartForm(VersionedForm):
    text = forms.CharField(label=gettext_lazy("Closing report"), widget=forms.Textarea)


class MilestoneForm(VersionedForm):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False)

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"] = forms.TypedChoiceField(
            label=_("Milestone"),
            coerce=int,
            choices=[(m.pk, f"{m.title} ({m.deadline})") for m in milestones if not m.done_at],
        )
        self.order_fields(["version", "milestone", "comment"])


class ExtensionForm(VersionedForm):
    new_deadline = forms.DateField(label=gettext_lazy("New deadline"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea)


class RuleExtensionForm(VersionedForm):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve")), ("0", gettext_lazy("Reject"))],
        coerce=lambda v: v == "1",
    )
    comment = forms.CharField(label=gettext_lazy("Comment"), widget=forms.Textarea, required=False)

    def __init__(self, *args, extensions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extension"] = forms.TypedChoiceField(
            label=_("Extension request"),
            coerce=int,
            choices=[
                (e.pk, f"{e.unit}: {e.current_deadline} → {e.requested_deadline}")
                for e in extensions
            ],
        )
        self.order_fields(["version", "extension", "approve", "comment"])


class SuspendForm(VersionedForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False)


class ResumeForm(VersionedForm):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False)


class RequestCompletionForm(VersionedForm):
    text = forms.CharField(label=gettext_lazy("What was achieved"), widget=forms.Textarea)
    attachments = MultipleFileField(label=gettext_lazy("Evidence"))


class ReviewForm(VersionedForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=ReviewOutcome.choices)
    comment = forms.CharField(
        label=gettext_lazy("Comment (required to send back)"),
        widget=forms.Textarea,
        required=False,
    )


class CloseForm(VersionedForm):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False)


class HastenForm(VersionedForm):
    message = forms.CharField(label=gettext_lazy("Message"), required=False)


class CommentForm(VersionedForm):
    text = forms.CharField(label=gettext_lazy("Comment (批示)"), widget=forms.Textarea)


# Which form each verb shows; verbs missing here (update) are edited elsewhere.
ACTION_FORMS: dict[str, type[VersionedForm]] = {
    "submit": SubmitForm,
    "approve_dispatch": ApproveDispatchForm,
    "assign": AssignForm,
    "accept": AcceptForm,
    "dispute": DisputeForm,
    "rule_dispute": RuleDisputeForm,
    "report": ReportForm,
    "complete_part": CompletePartForm,
    "milestone": MilestoneForm,
    "request_extension": ExtensionForm,
    "rule_extension": RuleExtensionForm,
    "suspend": SuspendForm,
    "resume": ResumeForm,
    "request_completion": RequestCompletionForm,
    "review": ReviewForm,
    "close": CloseForm,
    "hasten": HastenForm,
    "comment": CommentForm,
    "withdraw": WithdrawForm,
}
# What each form needs from the page besides POST data (loaded only when shown).
FORM_NEEDS = {
    "rule_dispute": ("disputes",),
    "milestone": ("milestones",),
    "rule_extension": ("extensions",),
}
