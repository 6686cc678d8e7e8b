"""Forms of the SIM service: input shape only; the rules are checked by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
