"""Forms of the user's own page: a new API token, a second-factor code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TokenScope
from .tokens import MAX_DAYS, default_days


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100, required=False)
    scope = forms.ChoiceField(
        label=_("It may"), choices=TokenScope.choices, initial=TokenScope.READ
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=MAX_DAYS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = default_days()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
