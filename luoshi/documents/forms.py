"""Forms of the documents pages: an import upload and a bulletin's period and text."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.matters.models import Source

from .importer import ImportOptions
from .models import MultiLead


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
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx)."))
        return upload

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            source=data["source"],
            multi_lead=data["multi_lead"],
            accept_suggestions=data["accept_suggestions"],
            year=data["year"],
        )


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
