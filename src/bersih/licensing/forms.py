"""Forms of the SIM service pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bersih.core.forms import PeriodForm

from . import statistics

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
