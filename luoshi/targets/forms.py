"""Forms of the target pages: they parse and check the shape of input; the services decide.

Every form that changes a target carries the `version` the user saw; a form without it
is refused (never defaulted to the current version).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.org.models import Unit

from . import services
from .models import Direction

MONTHS = [(m, f"{m}月") for m in range(1, 13)]
SHAPES = [
    (services.EVEN, gettext_lazy("Spread evenly over the year")),
    (services.LAST_YEAR, gettext_lazy("Shaped like last year's actuals")),
    ("entered", gettext_lazy("As entered month by month below")),
]


class FigureField(forms.DecimalField):
    """A figure as statistics reports print it: 1,234.5 or full-width １２３４．５ (an IME's
    digits) read as 1234.5; anything else is refused as before, naming the field."""

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace(",", "").replace(" ", "")
            value = value.replace("−", "-")
        return super().to_python(value)


class VersionedForm(forms.Form):
    """The target version the user saw (required: a form without it is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ActualForm(VersionedForm):
    month = forms.TypedChoiceField(label=gettext_lazy("Month"), choices=MONTHS, coerce=int)
    value = FigureField(
        label=gettext_lazy("Actual (year to date)"), max_digits=16, decimal_places=4
    )
    source = forms.CharField(label=gettext_lazy("Source of the figure"), max_length=200)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TrajectoryFields(forms.Form):
    """The twelve planned months: a shape, or twelve values entered (1月 … 12月)."""

    shape = forms.ChoiceField(
        label=gettext_lazy("Trajectory"), choices=SHAPES, initial=services.EVEN
    )

    def __init__(self, *args, planned: Sequence[Decimal | None] = (), **kwargs):
        super().__init__(*args, **kwargs)
        for month in range(1, 13):
            self.fields[f"m{month}"] = FigureField(
                label=f"{month}月",
                required=False,
                max_digits=16,
                decimal_places=4,
                initial=planned[month - 1] if len(planned) == 12 else None,
            )

    def month_fields(self) -> list:
        return [self[f"m{month}"] for month in range(1, 13)]

    def trajectory(self) -> str | list[Decimal]:
        """The service's trajectory argument from the cleaned data."""
        shape = self.cleaned_data["shape"]
        if shape != "entered":
            return shape
        return [self.cleaned_data[f"m{month}"] for month in range(1, 13)]

    def clean(self):
        data = super().clean()
        if data.get("shape") == "entered":
            missing = [m for m in range(1, 13) if data.get(f"m{m}") is None]
            for month in missing:
                self.add_error(f"m{month}", _("Enter the planned value of every month."))
        return data


class ReplanForm(VersionedForm, TrajectoryFields):
    """调整计划: a new plan version (the old one and closed months are kept)."""

    yearly_value = FigureField(
        label=gettext_lazy("New yearly value (empty: unchanged)"),
        required=False,
        max_digits=16,
        decimal_places=4,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for re-planning"), widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = ["version", "yearly_value", "shape", "reason"]


class TargetForm(TrajectoryFields):
    """A new target of a unit for a year, with its trajectory."""

    unit = forms.ModelChoiceField(
        label=gettext_lazy("Responsible unit"), queryset=Unit.objects.none(), empty_label="—"
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    yearly_value = FigureField(label=gettext_lazy("Yearly value"), max_digits=16, decimal_places=4)
    measure = forms.CharField(label=gettext_lazy("Unit of measure"), max_length=20)
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"), choices=Direction.choices, initial=Direction.HIGHER
    )
    accumulates = forms.TypedChoiceField(
        label=gettext_lazy("Monthly figures are"),
        choices=[("1", gettext_lazy("year-to-date sums")), ("0", gettext_lazy("levels"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    margin = forms.DecimalField(
        label=gettext_lazy("Margin %"), initial=5, min_value=0, max_value=100, decimal_places=2
    )

    field_order = [
        "unit",
        "year",
        "name",
        "yearly_value",
        "measure",
        "direction",
        "accumulates",
        "margin",
        "shape",
    ]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class CloseMonthForm(forms.Form):
    """月度封存: the year's targets keep the month's rating from now on."""

    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label=gettext_lazy("Month"), choices=MONTHS, coerce=int)


class SpawnForm(VersionedForm):
    """Open a catch-up matter for a target behind its trajectory."""

    deadline = forms.CharField(
        label=gettext_lazy("Deadline of the matter"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_deadline(self):
        try:
            return parse_date(self.cleaned_data["deadline"], field="deadline")
        except InvalidInput as error:
            raise ValidationError(error.message) from None
