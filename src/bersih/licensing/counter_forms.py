"""Forms of the counter screen and the supervisors' pages: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LineEntry

REASON_MAX = 500


class FinishForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(LineEntry.PASSED, _("passed")), (LineEntry.FAILED, _("failed"))]
    )


class SendBackForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Back to"))
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = list(stages)


class TransferForm(forms.Form):
    counter = forms.ModelChoiceField(label=_("To counter"), queryset=None)

    def __init__(self, *args, counters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counter"].queryset = counters


class CertificatesForm(forms.Form):
    health_certificate = forms.CharField(label=_("Health certificate number"), max_length=60)
    psychology_certificate = forms.CharField(label=_("Psychology certificate number"), max_length=60)


class ShiftForm(forms.Form):
    counter = forms.ModelChoiceField(label=_("Counter"), queryset=None)
    clerk = forms.ModelChoiceField(label=_("Clerk"), queryset=None)
    day = forms.DateField(label=_("Day"))

    def __init__(self, *args, counters, clerks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counter"].queryset = counters
        self.fields["clerk"].queryset = clerks


class OverrideForm(forms.Form):
    counter = forms.ModelChoiceField(label=_("Serve at counter"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)

    def __init__(self, *args, counters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counter"].queryset = counters


def form_errors(form: forms.Form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)
