"""Forms of the SIM service pages: input shape only; the rules (NIK, age, one live application, slots)
are the services'."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from bersih.core.forms import PeriodForm
from bersih.notify.channels import normalise_recipient

from . import rules, statistics

MAX_NAME = 160
MAX_PHONE = 24
MAX_TRACKING = 40


def _service_choices():
    return list(rules.SERVICE_KINDS.items())


def _class_choices():
    return list(rules.SIM_CLASSES.items())


class ApplicantForm(forms.Form):
    """Who applies and for what: the kiosk's walk-in form and the first half of the online booking."""

    service = forms.ChoiceField(label=_("Service"), choices=_service_choices, widget=forms.RadioSelect)
    sim_class = forms.ChoiceField(label=_("SIM class"), choices=_class_choices, widget=forms.RadioSelect)
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("The 16 digits on your KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name as on the KTP"), max_length=MAX_NAME)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=MAX_PHONE,
        required=False,
        help_text=_("For example 0812 3456 7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def clean_phone(self):
        """The phone in E.164 (+62…), so one number is one number to the integrity signals."""
        phone = self.cleaned_data["phone"].strip()
        return normalise_recipient("sms", phone) if phone else ""


class BookingForm(ApplicantForm):
    """The public online booking: the Satpas, a slot, and a phone and/or e-mail for the confirmation."""

    satpas = forms.ChoiceField(label=_("Satpas"), choices=())
    slot = forms.ChoiceField(label=_("Day and time"), choices=(), widget=forms.RadioSelect)
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)

    field_order = [
        "satpas",
        "service",
        "sim_class",
        "slot",
        "nik",
        "full_name",
        "birth_date",
        "phone",
        "email",
    ]

    def __init__(self, *args, units=(), slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _(
            "For the SMS and WhatsApp confirmation; give a phone or an e-mail."
        )
        self.fields["nik"].widget.attrs["autocomplete"] = "off"
        self.fields["satpas"].choices = [(unit.code, unit.name) for unit in units]
        self.fields["slot"].choices = [(slot.value, slot.value) for slot in slots if slot.open]

    def clean_slot(self):
        value = self.cleaned_data["slot"]
        try:
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M")
        except ValueError:
            raise forms.ValidationError(_("Choose a day and time from the list.")) from None
        return moment.date(), moment.time()

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise forms.ValidationError(_("Give a phone number or an e-mail address for the confirmation."))
        return cleaned


class SlotsForm(forms.Form):
    """The Satpas whose slots the booking page shows (a GET parameter)."""

    satpas = forms.CharField(max_length=40, required=False)


class CheckInForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Booking number"),
        max_length=MAX_TRACKING,
        help_text=_("Type the number from the confirmation, or scan its QR code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "autocapitalize": "characters"}
        ),
    )


class PriorityForm(forms.Form):
    label = forms.CharField(
        label=_("Ticket number"),
        max_length=10,
        help_text=_("Today's number, for example A-012."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=lambda: list(rules.PRIORITY_REASONS.items()), widget=forms.RadioSelect
    )


# --- Statistics and integrity signals --------------------------------------------------------------


class StatisticsPeriodForm(PeriodForm):
    """The statistics and signals pages' Satpas (among the person's) and period."""

    max_days = statistics.MAX_DAYS
    field_order = ["satpas", "start", "end"]

    satpas = forms.ChoiceField(label=_("Satpas"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["satpas"].choices = [(unit.code, unit.name) for unit in units]


# --- The applicant's phone page -------------------------------------------------------------------


class NearNotifyForm(forms.Form):
    """The applicant asks for a message when they are nearly at the counter."""

    channel = forms.ChoiceField(
        label=_("Send by"),
        choices=[("whatsapp", _("WhatsApp")), ("sms", _("SMS"))],
        initial="whatsapp",
        widget=forms.RadioSelect,
    )
    recipient = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        help_text=_("For example 0812 3456 7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
