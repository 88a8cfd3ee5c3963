"""The user's notification preferences."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Cadence, NotificationKind, NotificationPreference


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of notices"), required=False)
    email = forms.BooleanField(label=_("By e-mail"), required=False)
    email_address = forms.EmailField(label=_("E-mail address"), required=False)
    sms = forms.BooleanField(label=_("By SMS"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    cadence = forms.ChoiceField(label=_("When"), choices=Cadence.choices)
    kinds = forms.MultipleChoiceField(
        label=_("Which notices (none ticked: all)"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        current = NotificationPreference.objects.filter(user=user).first()
        if current is not None and not args[0]:
            kwargs["initial"] = {
                "language": current.language,
                "email": current.email,
                "sms": current.sms,
                "phone": current.phone,
                "cadence": current.cadence,
                "kinds": current.kinds,
                "email_address": user.email,
            }
        elif not args[0]:
            kwargs["initial"] = {"email_address": user.email, "cadence": Cadence.IMMEDIATE}
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The site's language")), *settings.LANGUAGES]
