"""The investigator's review forms: input shape only; the rules are checked by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bersih.core.forms import PeriodForm as BasePeriodForm

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


# --- The owner's public confirmation page ------------------------------------------------------------


class LookupForm(forms.Form):
    reference_code = forms.CharField(
        label=_("Reference code"),
        max_length=24,
        help_text=_("The code printed on the confirmation letter, for example 7K3QX9MD2B."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    plate = forms.CharField(
        label=_("Plate number"),
        max_length=20,
        help_text=_("For example B 1234 FAB."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


def _text_field(label, *, required=True, textarea=False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=rules.MAX_ANSWER_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput(),
    )


class OtherDriverForm(forms.Form):
    name = _text_field(_("Driver's full name"))
    nik = forms.CharField(
        label=_("Driver's NIK"),
        max_length=24,
        help_text=_("The 16-digit number on the driver's KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = _text_field(_("Driver's address"), textarea=True)
    phone = forms.CharField(
        label=_("Driver's phone number"), max_length=24, help_text=_("For example 0812 3456 7890.")
    )
    email = forms.EmailField(label=_("Driver's e-mail"), required=False)


def _size_limit() -> str:
    return f"{rules.MAX_UPLOAD_BYTES // (1024 * 1024)} MB"


class SoldForm(forms.Form):
    proof = forms.FileField(label=_("Proof of sale"))
    buyer_name = _text_field(_("Buyer's name"), required=False, help_text=_("If you know it."))
    buyer_address = _text_field(_("Buyer's address"), required=False, textarea=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proof"].help_text = _("A receipt or photo: JPEG, PNG or PDF, at most %(size)s.") % {
            "size": _size_limit()
        }


class NotMineForm(forms.Form):
    ktp = forms.FileField(label=_("Your KTP"))
    selfie = forms.FileField(label=_("A selfie holding your KTP"))
    vehicle = forms.FileField(label=_("A photo of your vehicle with its plate"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        size = {"size": _size_limit()}
        self.fields["ktp"].help_text = _("A photo or scan: JPEG, PNG or PDF, at most %(size)s.") % size
        for name in ("selfie", "vehicle"):
            self.fields[name].help_text = _("A photo: JPEG or PNG, at most %(size)s.") % size


ANSWER_FORMS = {rules.OTHER_DRIVER: OtherDriverForm, rules.SOLD: SoldForm, rules.NOT_MINE: NotMineForm}


class DisputeDecisionForm(forms.Form):
    ACCEPT, ACCEPT_BUYER, REFUSE = "accept", "accept_buyer", "refuse"
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (ACCEPT, _("Accept: release the owner and cancel the case")),
            (ACCEPT_BUYER, _("Accept and send the notice to the buyer")),
            (REFUSE, _("Refuse: the letter stands, deadlines extended")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=rules.MAX_DISPUTE_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to refuse."),
    )


class PeriodForm(BasePeriodForm):
    max_days = rules.DASHBOARD_MAX_DAYS


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
