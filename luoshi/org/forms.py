"""Forms of the user's own page (a new API token, a second-factor code), and the unit
fields every app's forms use (UnitField, UnitsField: a search-as-you-type picker)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import get_default_renderer
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import is_id

from .models import TokenScope, Unit
from .queries import units_by_id, units_named
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


# ── Unit pickers ──────────────────────────────────────────────────────────────────────
# A province has ~30k units: a <select> of every unit made the register form 670 ms at
# 3,333 (docs/benchmarks.md). A picker sends the ids picked from /units/search/ (a
# hidden input, or checkboxes for several) and the text typed beside them, named
# "<field>_text": without JavaScript one types a name or alias and the form resolves it
# (org.views.unit_search reads a "…_text" parameter as its query for the same reason).

NAME_SEPARATORS = re.compile(r"[,，、;；\n]+")


@dataclass(frozen=True)
class Picked:
    """What a unit picker sent: the unit ids picked from the list, and the typed text."""

    ids: tuple[str, ...] = ()
    text: str = ""

    @classmethod
    def of(cls, value: Any) -> Picked:
        """The picker's data, or a form's initial (a unit, an id, or a list of them)."""
        if isinstance(value, Picked):
            return value
        values = value if isinstance(value, list | tuple) else [value]
        ids = tuple(str(getattr(v, "pk", v)) for v in values if v not in (None, ""))
        return cls(ids=ids)


class UnitPicker(forms.Widget):
    """A text field that finds units as one types (htmx), with the unit(s) it holds."""

    template_name = "org/widgets/unit_picker.html"
    many = False

    def value_from_datadict(self, data, files, name) -> Picked:
        raw = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        ids = raw if isinstance(raw, list | tuple) else [raw]
        ids = [str(i).strip() for i in ids if i not in (None, "") and str(i).strip()]
        text = (data.get(f"{name}_text") or "").strip()
        return Picked(ids=tuple(ids if self.many else ids[:1]), text=text)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and f"{name}_text" not in data

    def use_required_attribute(self, initial) -> bool:
        return False  # the hidden id is filled by a pick: the browser cannot check it

    def get_context(self, name, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        picked = Picked.of(value)
        held = units_by_id([int(i) for i in picked.ids if is_id(i)])
        units = [held[int(i)] for i in picked.ids if is_id(i) and int(i) in held]
        widget = context["widget"]
        widget["units"], widget["many"] = units, self.many
        widget["unit_id"] = units[0].pk if units and not self.many else ""
        widget["text"] = picked.text or (units[0].name if units and not self.many else "")
        return context


def picker_of(name: str, unit: Unit | None, **attrs: Any) -> SafeString:
    """A UnitPicker's HTML for a unit already read (e.g. select_related): a page with a
    picker per row renders them all without a query per row (get_context reads units)."""
    widget = {
        "name": name,
        "attrs": attrs,
        "many": False,
        "units": [unit] if unit else [],
        "unit_id": unit.pk if unit else "",
        "text": unit.name if unit else "",
    }
    html = get_default_renderer().render(UnitPicker.template_name, {"widget": widget})
    return mark_safe(html)  # the form renderer's own escaped output


class UnitsPicker(UnitPicker):
    """The picker for several units: each picked unit a ticked box (untick to drop it)."""

    many = True


def picked_unit_in(data: Any, name: str) -> Unit | None:
    """The unit a picker named `name` sent (picked or typed; none: None), else InvalidInput
    naming the field — for a view that reads a picker without a form."""
    try:
        return UnitField().clean(UnitPicker().value_from_datadict(data, None, name))
    except ValidationError as error:
        raise InvalidInput(error.messages[0], field=name) from error


class UnitField(forms.Field):
    """One active unit, picked or typed (name or alias); cleans to the Unit or None."""

    widget = UnitPicker

    def __init__(self, *, required: bool = False, **kwargs):
        kwargs.setdefault(
            "help_text", _("Type part of a name or alias and pick the unit from the list.")
        )
        super().__init__(required=required, **kwargs)

    def to_python(self, value) -> Unit | None:
        picked = Picked.of(value)
        units = held_units(picked.ids[:1])
        unit = units[0] if units else None
        # Text that is not the held unit's name was typed after (or without) a pick.
        if picked.text and not (unit and _called(unit, picked.text)):
            return unit_named(picked.text)
        return unit

    def has_changed(self, initial, data) -> bool:
        # A formset skips its untouched extra rows: decide without reading units.
        picked = Picked.of(data)
        return bool(picked.ids or picked.text) != bool(Picked.of(initial).ids)


class UnitsField(UnitField):
    """Several active units, picked or typed (names separated by 、 or commas)."""

    widget = UnitsPicker

    def __init__(self, *, required: bool = False, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("Type part of a name and pick each unit; or type names separated by 、."),
        )
        super().__init__(required=required, **kwargs)

    def to_python(self, value) -> list[Unit]:  # type: ignore[override]
        picked = Picked.of(value)
        units = held_units(picked.ids)
        units += [unit_named(name) for name in NAME_SEPARATORS.split(picked.text) if name.strip()]
        return list({unit.pk: unit for unit in units}.values())  # each once, in order


def unit_field_among(
    units: Sequence[Unit] | None, *, label: str, required: bool = False
) -> forms.Field:
    """A unit the user acts for: one of `units` (their own: a short select, the first
    chosen), or any unit when `units` is None (the office), picked by typing."""
    if units is None:
        return UnitField(label=label, required=required)
    from luoshi.matters.forms import ObjectChoiceField  # matters' forms build on org's

    initial = units[0].pk if units else None
    return ObjectChoiceField(units, label=label, required=required, initial=initial)


def held_units(ids: Sequence[str]) -> list[Unit]:
    """The units of these ids, each active, else the error naming the first that is not."""
    if any(not is_id(i) for i in ids):
        raise ValidationError(gettext("Choose a unit from the list."), code="invalid")
    found = units_by_id([int(i) for i in ids])
    for i in ids:
        unit = found.get(int(i))
        if unit is None:
            raise ValidationError(
                gettext("Unit %(pk)s does not exist.") % {"pk": i}, code="invalid"
            )
        if not unit.is_active:
            raise ValidationError(
                gettext("%(name)s is no longer in use: choose another unit.") % {"name": unit.name},
                code="inactive",
            )
    return [found[int(i)] for i in ids]


def unit_named(text: str) -> Unit:
    """The one active unit `text` names, else the error saying why (none, or several)."""
    found = units_named(text)
    if not found:
        raise ValidationError(
            gettext("No unit in use is called “%(text)s”.") % {"text": text}, code="unknown"
        )
    if len(found) > 1:
        names = "、".join(u.name for u in found)
        raise ValidationError(
            gettext("“%(text)s” matches several units (%(names)s…): type more of the name.")
            % {"text": text, "names": names},
            code="ambiguous",
        )
    return found[0]


def _called(unit: Unit, text: str) -> bool:
    return text.casefold() in (name.casefold() for name in unit.names())
