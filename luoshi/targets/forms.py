"""The form a unit fills in to report a month's actual of a target."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ActualForm(forms.Form):
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    value = forms.DecimalField(label=_("Actual (year to date)"), max_digits=16, decimal_places=4)
    source = forms.CharField(label=_("Source"), max_length=200)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
