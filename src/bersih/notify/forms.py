from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules as policy


class ReturnedLetterForm(forms.Form):
    tracking_code = forms.CharField(label=_("Tracking code"), max_length=20)
    reason = forms.ChoiceField(label=_("Reason"), choices=list(policy.RETURN_REASONS.items()))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
