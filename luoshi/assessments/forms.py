"""Forms of the ratings pages: they parse and check the shape of input; the services decide.

The self-assessment and review forms have a field per criterion (score_<id>, note_<id>,
files_<id>; review_<id>, review_comment_<id>), so that an error the service names
(field "score_12") lands on its criterion. Every form that changes a versioned record
carries its `version`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib import numbers
from luoshi.matters.forms import (
    DateInput,
    MultipleFileField,
    MultipleFileInput,
    ObjectChoiceField,
    VersionedForm,
)
from luoshi.org.forms import unit_field_among

from .models import ActivityType, FindingRuling, IncidentKind, Score, Severity

FORM = {"form": "self-form"}
REVIEW = {"form": "review-form"}


class SelfAssessmentForm(VersionedForm):
    """自评: a score, a note and evidence files per criterion the unit scores itself.

    The inputs sit in the criteria table and belong to the form by their `form` attribute.
    """

    def __init__(self, *args, scores: Sequence[Score] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for score in scores:
            criterion, pk = score.criterion, score.criterion_id
            manual = criterion.feed == "manual"
            if manual:
                self.fields[f"score_{pk}"] = forms.CharField(
                    label=_("Score (0–%(max)s)") % {"max": criterion.points},
                    required=False,
                    initial=score.self_score,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", **FORM}),
                )
            self.fields[f"note_{pk}"] = forms.CharField(
                label=_("Evidence and explanation"),
                required=False,
                initial=score.self_note,
                widget=forms.Textarea(attrs={"rows": 2, **FORM}),
            )
            self.fields[f"files_{pk}"] = MultipleFileField(
                label=_("Evidence files"), widget=MultipleFileInput(attrs=FORM)
            )
            self.rows.append((score, manual))

    def fields_of(self, criterion_id: int) -> list:
        names = (f"score_{criterion_id}", f"note_{criterion_id}", f"files_{criterion_id}")
        return [self[name] for name in names if name in self.fields]

    def entries(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "criterion_id": score.criterion_id,
                "score": data.get(f"score_{score.criterion_id}"),
                "note": data.get(f"note_{score.criterion_id}", ""),
                "files": data.get(f"files_{score.criterion_id}") or [],
            }
            for score, _manual in self.rows
        ]


class ReviewForm(VersionedForm):
    """审核: the reviewer's score and comment per criterion, and the overall comment."""

    comment = forms.CharField(
        label=gettext_lazy("Reviewer's comment"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, scores: Sequence[Score] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for score in scores:
            pk, criterion = score.criterion_id, score.criterion
            self.fields[f"review_{pk}"] = forms.CharField(
                label=_("Reviewed score (0–%(max)s; empty keeps it)") % {"max": criterion.points},
                required=False,
                initial=score.review_score,
                widget=forms.TextInput(attrs={"inputmode": "decimal", **REVIEW}),
            )
            self.fields[f"review_comment_{pk}"] = forms.CharField(
                label=_("Reason"),
                required=False,
                initial=score.review_comment,
                widget=forms.TextInput(attrs=REVIEW),
            )
            self.rows.append(score)

    def fields_of(self, criterion_id: int) -> list:
        return [self[f"review_{criterion_id}"], self[f"review_comment_{criterion_id}"]]

    def entries(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "criterion_id": s.criterion_id,
                "score": data.get(f"review_{s.criterion_id}"),
                "comment": data.get(f"review_comment_{s.criterion_id}", ""),
            }
            for s in self.rows
        ]


class ReturnForm(VersionedForm):
    reason = forms.CharField(label=gettext_lazy("What is missing"), widget=forms.Textarea)


class RulingForm(VersionedForm):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    ruling = forms.ChoiceField(
        label=gettext_lazy("Ruling"),
        choices=[
            (FindingRuling.CONFIRMED, gettext_lazy("Confirm")),
            (FindingRuling.OVERRULED, gettext_lazy("Overrule")),
        ],
    )
    reason = forms.CharField(label=gettext_lazy("Reason (to overrule)"), required=False)


class PublishForm(VersionedForm):
    pass


class CycleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    period_start = forms.DateField(label=gettext_lazy("Period from"), widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("Period to"), widget=DateInput())
    self_due = forms.DateField(
        label=gettext_lazy("Self-assessment by"), required=False, widget=DateInput()
    )
    review_due = forms.DateField(
        label=gettext_lazy("Review by"), required=False, widget=DateInput()
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"] = ObjectChoiceField(templates, label=_("Template"), required=True)
        self.order_fields(["template", "name", "period_start", "period_end"])


class ActivityForm(forms.Form):
    """三会一课 / 主题党日: what the branch held, with its minutes and photos."""

    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=ActivityType.choices)
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DateInput())
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=200)
    attended = forms.IntegerField(
        label=gettext_lazy("Attended"), min_value=0, max_value=numbers.MEMBERS_MAX
    )
    expected = forms.IntegerField(
        label=gettext_lazy("Members expected"), min_value=1, max_value=numbers.MEMBERS_MAX
    )
    minutes = forms.CharField(label=gettext_lazy("Minutes"), widget=forms.Textarea)
    photos = MultipleFileField(label=gettext_lazy("Photos"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field_among(units, label=_("Branch"), required=True)
        self.order_fields(["unit", "type", "held_on"])


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=IncidentKind.choices)
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)
    occurred_on = forms.DateField(label=gettext_lazy("Occurred on"), widget=DateInput())
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field_among(units, label=_("Where (unit)"), required=True)
        self.order_fields(["kind", "severity", "unit", "occurred_on", "title"])


class VoidForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
