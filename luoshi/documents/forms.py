"""Forms of the documents pages: an import and its choices, a bulletin's period and text."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.cell import get_column_letter

from luoshi.lib.errors import InvalidInput
from luoshi.matters.models import Source
from luoshi.org.models import Unit, UnitKind

from .importer import TaskOptions
from .models import MultiLead
from .services import UnitChoice


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Task table (.xlsx)"))
    source = forms.ChoiceField(
        label=_("Source of the tasks"), choices=Source.choices, initial=Source.WORK_REPORT
    )
    multi_lead = forms.ChoiceField(
        label=_("Several units in a lead cell"),
        choices=MultiLead.choices,
        initial=MultiLead.CO_UNITS,
    )
    accept_suggestions = forms.BooleanField(
        label=_("Read near-miss unit names as the suggested unit"), required=False
    )
    year = forms.IntegerField(
        label=_("Year of the table (when its title names none)"),
        required=False,
        min_value=2000,
        max_value=2100,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(
                _("Upload an Excel workbook (.xlsx); save an .xls or .et file as .xlsx first.")
            )
        return upload

    def options(self) -> TaskOptions:
        data = self.cleaned_data
        return TaskOptions(
            source=data["source"],
            multi_lead=data["multi_lead"],
            accept_suggestions=data["accept_suggestions"],
            year=data["year"],
        )


class ImportOptionsForm(forms.Form):
    """The options a preview can change without uploading the file again."""

    source = forms.ChoiceField(label=_("Source of the tasks"), choices=Source.choices)
    multi_lead = forms.ChoiceField(
        label=_("Several units in a lead cell"), choices=MultiLead.choices
    )
    accept_suggestions = forms.BooleanField(
        label=_("Read near-miss unit names as the suggested unit"), required=False
    )
    year = forms.IntegerField(
        label=_("Year of the table (when its title names none)"),
        required=False,
        min_value=2000,
        max_value=2100,
    )


class ColumnsForm(forms.Form):
    """The column of each field, chosen among the header row's headings."""

    header_row = forms.IntegerField(label=_("Header row"), min_value=1, max_value=100)

    def __init__(self, *args, preview: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = preview.get("fields", {})
        choices = [("", _("— not in the table —"))] + [
            (str(h["index"]), f"{get_column_letter(h['index'] + 1)} {h['text']}".strip())
            for h in preview.get("headings", [])
        ]
        chosen = {h["field"]: str(h["index"]) for h in preview.get("headings", []) if h["field"]}
        self.fields["header_row"].initial = preview.get("header_row") or 1
        for name, label in self.labels.items():
            self.fields[f"field_{name}"] = forms.ChoiceField(
                label=label, choices=choices, required=False, initial=chosen.get(name, "")
            )

    def mapping(self) -> dict[str, int]:
        return {
            name: int(self.cleaned_data[f"field_{name}"])
            for name in self.labels
            if self.cleaned_data.get(f"field_{name}") not in (None, "")
        }


NEW_UNIT = "new"


def unit_choices(post, unknown: list[dict], units_by_name) -> tuple[list[UnitChoice], list[str]]:
    """The choices of the unknown-units form, and what could not be read (a typed name
    no unit goes by): per name, a unit, a new unit, or nothing yet.

    Fields per name i: `unit_i` (a unit id, "new", or ""), `other_i` (a unit's name typed
    instead), `new_name_i`, `parent_i` (a unit id), `kind_i`; `create_rest` with
    `parent_rest` makes every name left without a choice a new unit under that parent.
    """
    choices, errors = [], []
    rest = bool(post.get("create_rest"))  # every name left without a choice: a new unit
    for i, entry in enumerate(unknown):
        picked = (post.get(f"unit_{i}") or "").strip()
        typed = (post.get(f"other_{i}") or "").strip()
        if rest and not (picked or typed):
            picked = NEW_UNIT
        if picked == NEW_UNIT and not typed:
            parent = _unit_id(post.get("parent_rest" if rest else f"parent_{i}"))
            choices.append(
                UnitChoice(
                    name=entry["name"],
                    parent=Unit.objects.filter(pk=parent).first() if parent else None,
                    new_name=(post.get(f"new_name_{i}") or "").strip(),
                    kind=post.get(f"kind_{i}") or UnitKind.DEPARTMENT,
                )
            )
        elif typed or picked:
            unit = (
                units_by_name(typed)
                if typed
                else Unit.objects.filter(pk=_unit_id(picked), is_active=True).first()
            )
            if unit is None:
                errors.append(_("No unit is called “%(name)s”.") % {"name": typed or picked})
                continue
            choices.append(UnitChoice(name=entry["name"], unit=unit))
    return choices, errors


def _unit_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def date_choices(post, dated: list[dict]) -> dict[str, str]:
    """Per listed row: a new date, "ongoing", or "" (as written)."""
    rows = {}
    for entry in dated:
        row = str(entry["row"])
        if post.get(f"ongoing_{row}"):
            rows[row] = "ongoing"
            continue
        rows[row] = _date(post.get(f"date_{row}"), f"date_{row}")
    return rows


def _date(value, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput(
            _("“%(value)s” is not a date (write 2026-09-30).") % {"value": value}, field=field
        ) from None


def all_past_date(post) -> str:
    return _date(post.get("all_past"), "all_past")


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class BulletinForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    overall = forms.CharField(label=_("Overall situation"), widget=forms.Textarea, required=False)
    praised = forms.CharField(label=_("Units praised"), widget=forms.Textarea, required=False)
    named = forms.CharField(label=_("Units named"), widget=forms.Textarea, required=False)
    office_backlog = forms.CharField(
        label=_("Office backlog"), widget=forms.Textarea, required=False
    )
    next_steps = forms.CharField(label=_("Next steps"), widget=forms.Textarea, required=False)


class VersionForm(forms.Form):
    """A button that changes a versioned record: the version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput)
