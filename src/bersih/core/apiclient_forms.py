"""Forms of the staff pages that manage API clients and their keys."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules as policy
from .models import Agency, Unit


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    owner_unit = forms.ModelChoiceField(label=_("Owner unit"), queryset=Unit.objects.none())
    agency = forms.ModelChoiceField(
        label=_("Partner agency"), queryset=Agency.objects.filter(active=True), required=False
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=list(policy.API_SCOPES.items()), widget=forms.CheckboxSelectMultiple
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("Requests per minute"),
        min_value=1,
        max_value=100_000,
        initial=policy.API_DEFAULT_RATE_PER_MINUTE,
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units


class ApiKeyIssueForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=80, required=False)
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a key that does not expire."),
    )


class ApiKeyRotateForm(forms.Form):
    grace_hours = forms.IntegerField(
        label=_("Old key keeps working for (hours)"),
        min_value=0,
        max_value=24 * 30,
        initial=policy.API_KEY_ROTATION_GRACE_HOURS,
    )
