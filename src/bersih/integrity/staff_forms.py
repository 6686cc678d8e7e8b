"""Forms of the assessment pages: a new assessment, one answer, one piece of evidence."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules


class AssessmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    target = forms.ChoiceField(label=_("Predicate sought"), choices=list(rules.PREDICATES.items()))
    prior_status = forms.ChoiceField(
        label=_("Predicate already held"),
        choices=[("", _("none")), *rules.PREDICATES.items()],
        required=False,
    )


class AnswerForm(forms.Form):
    """A letter for choice questions, or two numbers for numeric pairs (``first`` and ``second``)."""

    value = forms.CharField(label=_("Answer"), max_length=2, required=False)
    first = forms.DecimalField(
        label=_("First number"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    second = forms.DecimalField(
        label=_("Second number"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    comment = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    offered = forms.CharField(widget=forms.HiddenInput, required=False)
    override_reason = forms.CharField(label=_("Why not the offered value"), required=False, max_length=1000)

    def answer_value(self, numeric: bool):
        data = self.cleaned_data
        if numeric:
            if data.get("first") is None or data.get("second") is None:
                return None
            return [float(data["first"]), float(data["second"])]
        return data.get("value") or None


class EvidenceForm(forms.Form):
    label = forms.CharField(label=_("What it shows"), max_length=200)
    file = forms.FileField(label=_("Document (PDF or image)"), required=False)
    link = forms.CharField(label=_("Or a link to records"), max_length=300, required=False)
