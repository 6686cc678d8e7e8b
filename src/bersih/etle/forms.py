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


class ResendForm(forms.Form):
    """A corrected address for a returned letter (and, when known, a phone or email)."""

    address = forms.CharField(
        label=_("Corrected address"),
        max_length=rules.MAX_ADDRESS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Street, village, city and postcode, separated by commas or new lines."),
    )
    phone = forms.CharField(label=_("Phone (optional)"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email (optional)"), required=False)


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the letter cannot be delivered"),
        max_length=rules.MAX_CLOSE_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VerdictForm(forms.Form):
    fine = forms.IntegerField(
        label=_("Fine set by the court (Rp)"),
        min_value=1,
        help_text=_("Whole rupiah, as written in the verdict."),
    )


class RefundPayForm(forms.Form):
    reference = forms.CharField(
        label=_("Payout reference"), max_length=64, help_text=_("The transfer's reference or receipt number.")
    )


class StatementForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label=None)
    statement = forms.FileField(
        label=_("Bank statement (CSV)"),
        help_text=_("Columns date,va_number,amount,bank_reference; one payment a line."),
    )
    day = forms.DateField(
        label=_("Day"),
        required=False,
        help_text=_("YYYY-MM-DD; needed only for a statement without payments."),
    )

    def __init__(self, *args, units=(), **kwargs):
        from bersih.core.models import Unit

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")


class PeriodForm(forms.Form):
    """A period of WIB dates (inclusive), at most ``max_days`` long, the start not after the end."""

    max_days = rules.DASHBOARD_MAX_DAYS

    # A date input takes ISO dates whatever the language (Indonesian would write 28-11-2026).
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end = forms.DateField(label=_("To"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start of the period is after its end."), code="order")
            if (end - start).days + 1 > self.max_days:
                raise forms.ValidationError(
                    _("A period may span at most %(days)d days.") % {"days": self.max_days}, code="too_long"
                )
        return data


class BlockExportForm(PeriodForm):
    max_days = rules.BLOCKS_EXPORT_MAX_DAYS

    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, required=False, empty_label=_("All my units"), to_field_name="code"
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class LiftForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=lambda: list(rules.MANUAL_LIFT_REASONS.items()))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=rules.MAX_LIFT_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the number of the court order or of the dispute decision."),
    )
