"""Forms of the evaluation pages: they parse and check the shape of input; the services
decide. Every form that changes a period (or edits a published scheme) carries the
`version` the user saw; a form without it is refused, never defaulted."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.org.models import Unit, UnitKind

from .explain import indicators
from .models import AdjustmentKind, PeriodKind, Scheme

NOT_SCORED, PER_ITEM, WEIGHT = "", "points", "weight"
MODES = [
    (NOT_SCORED, gettext_lazy("not scored")),
    (PER_ITEM, gettext_lazy("points per item (− deducts)")),
    (WEIGHT, gettext_lazy("weight × the rate")),
]


class UnitSelect(forms.Select):
    """A select of units written in one pass: a city's hundreds of units rendered through
    a template per option cost most of the period page."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = str(value) if value not in (None, "") else ""
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) == chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class VersionedForm(forms.Form):
    """The version the user saw (required: a form without it is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SchemeForm(forms.Form):
    """A scheme's rules, one row per indicator in words; publishing makes a new version."""

    name = forms.CharField(label=gettext_lazy("Name of the scheme"), max_length=100)
    base = forms.DecimalField(
        label=gettext_lazy("Starting score"), max_digits=7, decimal_places=2, initial=100
    )
    honour_count = forms.IntegerField(
        label=gettext_lazy("Places on the honour roll and the lagging list"),
        min_value=1,
        max_value=50,
        initial=3,
    )
    unit_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of unit evaluated"),
        choices=UnitKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[UnitKind.DEPARTMENT, UnitKind.DISTRICT],
    )

    def __init__(self, *args, scheme: Scheme | None = None, **kwargs):
        if scheme is not None:
            kwargs.setdefault("initial", {}).update(_initial(scheme))
        super().__init__(*args, **kwargs)
        self.editing = scheme
        if scheme is not None:  # a new version of this scheme, from the version seen
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
            self.fields["name"].widget = forms.HiddenInput()
        for info in indicators():
            self.fields[f"mode_{info.code}"] = forms.ChoiceField(
                label=info.label, choices=MODES, required=False, help_text=info.meaning
            )
            self.fields[f"value_{info.code}"] = forms.DecimalField(
                label=_("Points"), required=False, max_digits=7, decimal_places=2
            )

    def rule_rows(self) -> list[tuple]:
        return [(self[f"mode_{i.code}"], self[f"value_{i.code}"]) for i in indicators()]

    def clean(self):
        data = super().clean()
        rules = []
        for info in indicators():
            mode, value = data.get(f"mode_{info.code}"), data.get(f"value_{info.code}")
            if not mode:
                continue
            if value is None:
                self.add_error(f"value_{info.code}", _("Give the points of this rule."))
                continue
            rules.append({"indicator": info.code, mode: float(value)})
        data["rules"] = rules
        return data


def _initial(scheme: Scheme) -> dict:
    initial = {
        "name": scheme.name,
        "base": scheme.base,
        "honour_count": scheme.honour_count,
        "unit_kinds": scheme.unit_kinds,
        "version": scheme.version,
    }
    for rule in scheme.rules:
        mode = WEIGHT if "weight" in rule else PER_ITEM
        initial[f"mode_{rule['indicator']}"] = mode
        initial[f"value_{rule['indicator']}"] = rule[mode]
    return initial


class OpenPeriodForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of period"), choices=PeriodKind.choices, initial=PeriodKind.MONTH
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=gettext_lazy("Month or quarter"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=gettext_lazy("1–12 for a month, 1–4 for a quarter; ignored for a year."),
    )
    scheme = forms.ModelChoiceField(
        label=gettext_lazy("Scheme version"), queryset=Scheme.objects.none(), required=False
    )

    def __init__(self, *args, schemes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes if schemes is not None else Scheme.objects.none()
        self.fields["scheme"].empty_label = _("the newest version published")


class ComputeForm(VersionedForm):
    pass


class ReviewForm(VersionedForm):
    comment = forms.CharField(
        label=gettext_lazy("Review note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(VersionedForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for closing before the period ends"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required only when the period has not ended yet."),
    )


class AdjustmentForm(VersionedForm):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Unit"), queryset=Unit.objects.none(), empty_label="—", widget=UnitSelect
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of item"), choices=AdjustmentKind.choices)
    points = forms.DecimalField(
        label=gettext_lazy("Points (a penalty is negative; none for a commendation)"),
        required=False,
        max_digits=6,
        decimal_places=2,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class WithdrawForm(VersionedForm):
    reason = forms.CharField(label=gettext_lazy("Reason for withdrawing"), max_length=500)
