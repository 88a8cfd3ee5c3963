"""Forms of the project pages: they parse and check the shape of input; services decide.

Forms that change a project carry its `version` (lib.forms.VersionedForm): a post
without it is refused, never filled in with the current version.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.errors import InvalidInput
from luoshi.lib.forms import DayField, VersionedForm
from luoshi.org.forms import UnitField

from .models import Stage
from .queries import check_as_of


class StageForm(VersionedForm):
    """Record that the project reached its next stage (offered for the next one only)."""

    stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    actual_date = DayField(label=_("Reached on"))
    evidence = forms.CharField(label=_("Evidence"), max_length=2000)


class MonthForm(VersionedForm):
    """Report a month's investment completed, funds in place and effect (万元)."""

    year = forms.IntegerField(
        widget=forms.HiddenInput, min_value=numbers.YEAR_MIN, max_value=numbers.YEAR_MAX
    )
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    completed = forms.DecimalField(
        label=_("Investment completed"), min_value=0, max_value=numbers.AMOUNT_MAX, max_digits=14
    )
    funds_in_place = forms.DecimalField(
        label=_("Funds in place"), min_value=0, max_value=numbers.AMOUNT_MAX, max_digits=14
    )
    effect = forms.DecimalField(
        label=_("Effect actual"),
        min_value=0,
        max_value=numbers.AMOUNT_MAX,
        max_digits=14,
        required=False,
    )

    def __init__(self, *args, effect: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not effect:  # the project measures no effect (达效): nothing to report
            del self.fields["effect"]


class ProblemForm(forms.Form):
    """Raise a problem the project met as a matter (a new matter: no version)."""

    title = forms.CharField(label=_("Problem"), max_length=300)
    lead_unit = UnitField(label=_("Lead unit"), required=True)
    deadline = DayField(label=_("Deadline"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class AsOfForm(forms.Form):
    """The day figures are taken on (default today)."""

    as_of = DayField(label=_("As of"), required=False)

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day:
            try:
                check_as_of(day)
            except InvalidInput as refused:
                raise forms.ValidationError(refused.message) from None
        return day
