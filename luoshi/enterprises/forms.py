"""Forms of the enterprise service pages: they parse and check the shape of input; the
services decide.

Forms that change a versioned record (the enterprise, a whitelist entry, a problem,
a problem's matter) carry its `version` (lib.forms.VersionedForm): a post without
it is refused, never filled in with the current version. Unit, cadre and service
day choices come from lists the view loads once per request.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from luoshi.lib.forms import DayField, VersionedForm
from luoshi.org.models import Unit

from .models import EnterpriseSize, Guarantee, ProblemCategory, ServiceDay, Tier


def _label(obj) -> str:
    if isinstance(obj, User):
        return obj.get_full_name() or obj.get_username()
    return str(getattr(obj, "name", obj))


class Choice(forms.ChoiceField):
    """A select over objects the view loaded; cleans to the object, without a query."""

    def __init__(self, objects: Sequence = (), **kwargs):
        self.objects = {str(o.pk): o for o in objects}
        choices = [("", "—")] + [(key, _label(o)) for key, o in self.objects.items()]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(str(value)) if value else None


class EnterpriseForm(forms.Form):
    """Enter an enterprise (a new record: no version)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=40)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    size = forms.ChoiceField(
        label=_("Size"), choices=[("", "—"), *EnterpriseSize.choices], required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)

    def __init__(self, *args, units: Sequence[Unit] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"] = Choice(units, label=_("District"))
        self.order_fields(["name", "credit_code", "district"])


class ProblemForm(forms.Form):
    """Send in a problem: the enterprise on its page, or its liaison cadre (no version)."""

    title = forms.CharField(label=_("Problem"), max_length=300)
    content = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=ProblemCategory.choices)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.ORDINARY)

    def __init__(self, *args, tiers: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not tiers:  # the enterprise does not grade its own problem; the office does
            del self.fields["tier"]


class TakeProblemForm(ProblemForm):
    """Take a problem on a service day, for an enterprise of the list."""

    def __init__(self, *args, days: Sequence[ServiceDay] = (), enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_day"] = Choice(days, label=_("Service day"))
        self.fields["enterprise"] = Choice(enterprises, label=_("Enterprise"))
        self.order_fields(["service_day", "enterprise"])


class ServiceDayForm(forms.Form):
    """Schedule a unit's service day (a new record: no version)."""

    day = DayField(label=_("Day"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)

    def __init__(self, *args, units: Sequence[Unit] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = Choice(units, label=_("Unit"))
        self.order_fields(["unit"])


class LiaisonForm(VersionedForm):
    """Assign a liaison cadre; the version is the enterprise's."""

    def __init__(self, *args, cadres: Sequence[User] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"] = Choice(cadres, label=_("Liaison cadre"))


class EndLiaisonForm(VersionedForm):
    """End a liaison; the version is the enterprise's."""

    liaison = forms.IntegerField(widget=forms.HiddenInput)


class TokenForm(VersionedForm):
    """Issue a new link to the enterprise's page (the old one stops working)."""


class WhitelistForm(forms.Form):
    """Approve a whitelist entry (a new record: no version)."""

    guarantee = forms.ChoiceField(label=_("Guarantee"), choices=Guarantee.choices)
    valid_from = DayField(label=_("Valid from"))
    valid_to = DayField(label=_("Valid to"))


class RenewForm(VersionedForm):
    """Renew a whitelist entry to a new end; the version is the entry's."""

    valid_to = DayField(label=_("Valid to"))


class RevokeForm(VersionedForm):
    """Revoke a whitelist entry before its end, with the reason; the entry's version."""

    reason = forms.CharField(label=_("Reason"), max_length=500)


class TransferForm(VersionedForm):
    """Transfer a problem to its lead unit (转办); the version is the problem's."""

    category = forms.ChoiceField(label=_("Category"), choices=ProblemCategory.choices)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)

    def __init__(self, *args, units: Sequence[Unit] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"] = Choice(units, label=_("Lead unit"))
        self.order_fields(["lead_unit"])


class RevisitForm(VersionedForm):
    """Reopen or settle after the revisit (回访); the version is the matter's."""

    comment = forms.CharField(
        label=_("What the revisit found, or the ruling"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingForm(VersionedForm):
    """The enterprise rates the answer on its page; the version is the problem's."""

    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def __init__(self, *args, grades: Sequence[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"] = forms.ChoiceField(
            label=_("How satisfied are you with the answer?"),
            choices=grades,
            widget=forms.RadioSelect,
        )
        self.order_fields(["grade"])


class PeriodForm(forms.Form):
    """The period and grouping of the figures page."""

    start = DayField(label=_("Received from"), required=False)
    end = DayField(label=_("to"), required=False)
    by = forms.ChoiceField(
        label=_("By"),
        choices=[("unit", _("Unit")), ("category", _("Category")), ("enterprise", _("Enterprise"))],
        required=False,
    )
