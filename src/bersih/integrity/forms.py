"""The survey form, built from the instruments' data: the SKM is required, the perception surveys are
optional as a whole (answered completely or not at all); a honeypot and a signed start time catch
scripts on the public walk-in link."""

from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules
from .indices import instruments

OPTIONAL_INSTRUMENTS = ("ipak", "ipkp")
STARTED_SALT = "bersih.integrity.survey-started"


def field_name(instrument: str, item: str) -> str:
    return f"{instrument}-{item}"


class SurveyForm(forms.Form):
    suggestion = forms.CharField(
        label=gettext_lazy("Suggestions for the unit (optional)"),
        required=False,
        max_length=rules.SUGGESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Left empty by people (it is hidden); scripts fill every field.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, check_time: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_time = check_time
        self.sections = []
        for code in ("skm", *OPTIONAL_INSTRUMENTS):
            instrument = instruments()[code]
            choices = [
                (str(n), label)
                for n, label in zip(
                    range(instrument.scale_min, instrument.scale_max + 1), instrument.labels, strict=True
                )
            ]
            names = []
            for item in instrument.items:
                name = field_name(code, item["code"])
                self.fields[name] = forms.ChoiceField(
                    label=item["text"], choices=choices, widget=forms.RadioSelect, required=code == "skm"
                )
                names.append(name)
            self.sections.append((instrument, names))
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=STARTED_SALT)

    def section_fields(self):
        return [(instrument, [self[name] for name in names]) for instrument, names in self.sections]

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("This survey could not be accepted."), code="honeypot")
        if self.check_time:
            try:
                started = signing.loads(data.get("started") or "", salt=STARTED_SALT, max_age=24 * 3600)
            except signing.BadSignature:
                raise forms.ValidationError(
                    _("The form expired; please fill it in again."), code="stale"
                ) from None
            if time.time() - float(started) < rules.MIN_SECONDS_TO_ANSWER:
                raise forms.ValidationError(
                    _("That was too fast to be read; please take a moment to answer."), code="too_fast"
                )
        for instrument, names in self.sections:
            given = [name for name in names if data.get(name)]
            if instrument.code in OPTIONAL_INSTRUMENTS and given and len(given) < len(names):
                raise forms.ValidationError(
                    _("Answer every question of “%(survey)s”, or none of them.")
                    % {"survey": instrument.name},
                    code="partial",
                )
        return data

    def answers(self) -> dict[str, dict[str, str]]:
        """``{"skm": {"U1": "4", ...}, "ipak": {...}}`` for the instruments answered."""
        result = {}
        for instrument, names in self.sections:
            scores = {
                name.split("-", 1)[1]: self.cleaned_data[name]
                for name in names
                if self.cleaned_data.get(name)
            }
            if scores:
                result[instrument.code] = scores
        return result
