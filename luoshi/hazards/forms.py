"""Forms of the hazard pages: they parse and check the shape of input; the services decide.

Every action form carries the hazard's `version` (the services refuse a stale one, and
a missing one is refused here). Unit, leader and category choices come from lists the
view loads once per request.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.matters.forms import (
    DateInput,
    MultipleFileField,
    ObjectChoiceField,
    VersionedForm,
)
from luoshi.org.forms import UnitField, unit_field_among

from .models import Discovery, HazardLevel

PASSED_CHOICES = [
    ("1", gettext_lazy("Passed: close the hazard (销号)")),
    ("0", gettext_lazy("Failed: return it with the reason")),
]


class HazardForm(forms.Form):
    """登记隐患: the fields of services.HazardSpec, and the site photos."""

    title = forms.CharField(label=gettext_lazy("Hazard"), max_length=300)
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=HazardLevel.choices)
    discovery = forms.ChoiceField(
        label=gettext_lazy("How found"), choices=Discovery.choices, initial=Discovery.INSPECTION
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    found_on = forms.DateField(label=gettext_lazy("Found on"), widget=DateInput())
    finder = forms.CharField(label=gettext_lazy("Found by (name)"), max_length=100, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    measures = forms.CharField(
        label=gettext_lazy("Rectification measures"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    photos = MultipleFileField(label=gettext_lazy("Site photos"))

    def __init__(self, *args, own_units=None, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = ObjectChoiceField(categories, label=_("Category"))
        self.fields["unit"] = UnitField(label=_("Place (unit)"))
        self.fields["found_by_unit"] = unit_field_among(own_units, label=_("Found by unit"))
        self.fields["responsible_unit"] = UnitField(label=_("Responsible unit"))
        self.order_fields(
            [
                "title",
                "category",
                "level",
                "discovery",
                "unit",
                "address",
                "found_by_unit",
                "finder",
                "found_on",
                "responsible_unit",
                "description",
                "measures",
                "photos",
            ]
        )


class EditForm(VersionedForm):
    """Edit a hazard; the services refuse the fields that may no longer change."""

    title = forms.CharField(label=gettext_lazy("Hazard"), max_length=300)
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=HazardLevel.choices)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    measures = forms.CharField(
        label=gettext_lazy("Rectification measures"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = ObjectChoiceField(categories, label=_("Category"))
        self.fields["responsible_unit"] = UnitField(label=_("Responsible unit"))
        self.fields["verifying_unit"] = UnitField(label=_("Verifying unit"))


class AssignForm(VersionedForm):
    """交办整改: deadline by level; a major hazard's leader and plan (milestones)."""

    deadline = forms.DateField(
        label=gettext_lazy("Deadline (empty: the level's limit)"),
        required=False,
        widget=DateInput(),
    )
    milestones = forms.CharField(
        label=gettext_lazy("Plan milestones (major hazards)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: title | 2026-06-30"),
    )

    def __init__(self, *args, leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"] = ObjectChoiceField(leaders, label=_("Leader in charge (挂牌督办)"))
        self.fields["verifying_unit"] = UnitField(
            label=_("Verifying unit (empty: the unit that found it)")
        )
        self.order_fields(["version", "deadline", "leader", "milestones", "verifying_unit"])

    def clean_milestones(self) -> list[tuple[str, dt.date]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            title, _sep, day = (part.strip() for part in line.partition("|"))
            try:
                rows.append((title, dt.date.fromisoformat(day)))
            except ValueError as error:
                raise ValidationError(
                    _("Line %(n)s: “%(day)s” is not a date like 2026-06-30.")
                    % {"n": number, "day": day or "—"}
                ) from error
        return rows


class VerifyForm(VersionedForm):
    """验收: the result of the on-site check, its record and photos."""

    passed = forms.TypedChoiceField(
        label=gettext_lazy("Result"), choices=PASSED_CHOICES, coerce=lambda v: v == "1"
    )
    checked_on = forms.DateField(
        label=gettext_lazy("Checked on (empty: today)"), required=False, widget=DateInput()
    )
    record = forms.CharField(
        label=gettext_lazy("Check record (the reason, if it failed)"), widget=forms.Textarea
    )
    photos = MultipleFileField(label=gettext_lazy("Site photos"))


class ReinspectForm(VersionedForm):
    """复查: what the re-inspection found; a follow-up may find the hazard back."""

    checked_on = forms.DateField(
        label=gettext_lazy("Checked on (empty: today)"), required=False, widget=DateInput()
    )
    record = forms.CharField(label=gettext_lazy("Check record"), widget=forms.Textarea)
    relapsed = forms.BooleanField(
        label=gettext_lazy("The hazard is back (after closing)"), required=False
    )
    photos = MultipleFileField(label=gettext_lazy("Site photos"))


class WithdrawForm(VersionedForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea)


# Which form each verb of permissions.ACTION_LABELS shows on the hazard page.
ACTION_FORMS: dict[str, type[VersionedForm]] = {
    "assign": AssignForm,
    "verify": VerifyForm,
    "reinspect": ReinspectForm,
    "withdraw": WithdrawForm,
}
FORM_NEEDS = {"assign": ("leaders",)}


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    started_on = forms.DateField(label=gettext_lazy("Started on"), widget=DateInput())
    ended_on = forms.DateField(label=gettext_lazy("Ended on"), required=False, widget=DateInput())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"] = unit_field_among(units, label=_("Organising unit"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Findings table (.xlsx)"),
        help_text=gettext_lazy(
            "Columns such as 隐患名称, 隐患类别, 隐患等级, 属地, 隐患地点, 责任单位, 发现时间, "
            "整改措施."
        ),
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_category"] = ObjectChoiceField(
            categories, label=_("Category for rows that give none")
        )
