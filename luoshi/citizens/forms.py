"""Forms of the citizen side: the public form, the operator's form, the actions' fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.lib.errors import InvalidInput
from luoshi.org.forms import UnitField, UnitsField
from luoshi.org.models import Unit, UnitKind

from .models import CITIZEN_GRADES, Category, Channel, RequestType
from .services import Intake


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*", "multiple": True})

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files]


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class RequestForm(forms.Form):
    """What a citizen fills in on the public form (no account)."""

    request_type = forms.ChoiceField(label=_("Request type"), choices=RequestType.choices)
    text = forms.CharField(
        label=_("What happened, where, since when"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    district = UnitChoice(
        label=_("District"),
        queryset=Unit.objects.filter(kind=UnitKind.DISTRICT, is_active=True),
        required=False,
        empty_label=_("— choose —"),
    )
    street = UnitChoice(
        label=_("Street or town"),
        queryset=Unit.objects.filter(kind=UnitKind.STREET, is_active=True).select_related("parent"),
        required=False,
        empty_label=_("— choose —"),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    anonymous = forms.BooleanField(label=_("Anonymous (no answer by phone)"), required=False)
    photos = PhotosField(label=_("Photos"), required=False)
    # Left empty by people; robots that fill every field are refused.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    channel = Channel.WEB

    def intake(self) -> Intake:
        if self.cleaned_data.get("website"):
            raise InvalidInput(_("The form was not sent correctly."), field="website")
        data = self.cleaned_data
        return Intake(
            request_type=data["request_type"],
            text=data["text"],
            channel=self.channel,
            address=data.get("address", ""),
            latitude=data.get("latitude") or None,
            longitude=data.get("longitude") or None,
            district=data.get("district"),
            street=data.get("street"),
            anonymous=data.get("anonymous", False),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
            urgent=data.get("urgent", False),
            category=data.get("category"),
            photos=data.get("photos") or [],
        )


class OperatorForm(RequestForm):
    """The hotline operator's form: the call, its category and urgency."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("— not yet —"),
    )
    urgent = forms.BooleanField(label=_("Urgent"), required=False)

    channel = Channel.HOTLINE


class RatingForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("Your rating"),
        choices=[(g.value, g.label) for g in CITIZEN_GRADES],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DispatchUnitsForm(forms.Form):
    """The units of a dispatch, found as the office types (a province has ~30k units: no
    <select> of every one); without JavaScript a typed name or alias is resolved."""

    lead_unit = UnitField(label=_("Lead unit"), required=True)
    co_units = UnitsField(label=_("Co-units"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].widget.attrs["id"] = "d-unit"
        self.fields["co_units"].widget.attrs["id"] = "d-co"

    def units(self) -> tuple[Unit, list[Unit]]:
        """The lead unit and the co-units, else InvalidInput naming the first bad field."""
        if not self.is_valid():
            name, errors = next(iter(self.errors.items()))
            # the page shows the message alone, above the form: name the field in it
            raise InvalidInput(f"{self.fields[name].label}：{errors[0]}", field=name)
        return self.cleaned_data["lead_unit"], self.cleaned_data["co_units"]
