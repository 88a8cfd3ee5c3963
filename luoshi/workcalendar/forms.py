"""The form that takes a year's official holiday schedule: the notice's text or a table."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ScheduleForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    notice = forms.CharField(
        label=_("Notice number"),
        required=False,
        max_length=100,
        help_text=_("e.g. 国办发明电〔2026〕7号"),
    )
    text = forms.CharField(
        label=_("Holidays and make-up working days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=_(
            "Paste the notice's items as published (一、元旦：1月1日至3日放假，共3天。…"
            "上班。), or one day a line: 2027-02-05 放假 春节."
        ),
    )
    file = forms.FileField(
        label=_("Or a table (.xlsx or .csv)"),
        required=False,
        help_text=_("Columns 日期, 类型 (放假 or 上班) and, if you like, 节日."),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        return upload

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste the notice's text or upload a table."))
        return data
