"""The investigator's review forms: input shape only; the rules are checked by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules


def _violation_choices():
    return [
        (code, f"{kind.name_en} — {kind.article}")
        for code, kind in rules.VIOLATION_TYPES.items()
        if kind.camera_detectable
    ]


class CorrectPlateForm(forms.Form):
    plate = forms.CharField(
        label=_("Plate as seen on the pictures"), max_length=20, help_text=_("For example B 1234 FAB.")
    )


class ChangeTypeForm(forms.Form):
    code = forms.ChoiceField(label=_("Violation"), choices=_violation_choices)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=lambda: list(rules.REJECTION_REASONS.items()))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=rules.MAX_REJECTION_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed for another reason."),
    )
